using DokanNfs.Core.Client;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Tests.Client;

/// <summary>The ambient credential: scopes that restore what was current before, nested or not, and how it flows.</summary>
[TestClass]
public sealed class NfsCallContextTests
{
    private static readonly RpcCredential Alice = RpcCredential.Sys(1001, 1001, machineName: "test");
    private static readonly RpcCredential Bob = RpcCredential.Sys(1002, 1002, machineName: "test");

    [TestMethod]
    public void Nothing_is_current_until_a_scope_sets_it_and_disposing_the_scope_restores_nothing()
    {
        Assert.IsNull(NfsCallContext.Current);
        using (NfsCallContext.Use(Alice))
        {
            Assert.AreSame(Alice, NfsCallContext.Current);
        }

        Assert.IsNull(NfsCallContext.Current);
    }

    [TestMethod]
    public void Nested_scopes_restore_in_turn_including_a_scope_of_null()
    {
        using (NfsCallContext.Use(Alice))
        {
            using (NfsCallContext.Use(Bob))
            {
                Assert.AreSame(Bob, NfsCallContext.Current);
                using (NfsCallContext.Use(null))
                {
                    Assert.IsNull(NfsCallContext.Current, "null: the client's own credential applies");
                }

                Assert.AreSame(Bob, NfsCallContext.Current);
            }

            Assert.AreSame(Alice, NfsCallContext.Current);

            // The credential already current: the inner scope changes nothing, so its end does not clear it.
            using (NfsCallContext.Use(Alice))
            {
                Assert.AreSame(Alice, NfsCallContext.Current);
            }

            Assert.AreSame(Alice, NfsCallContext.Current);
        }

        Assert.IsNull(NfsCallContext.Current);
    }

    [TestMethod]
    public void Setting_the_credential_already_current_allocates_nothing()
    {
        using (NfsCallContext.Use(Alice))
        {
            UseSameTimes(10); // JIT first
            var before = GC.GetAllocatedBytesForCurrentThread();
            UseSameTimes(10_000);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.AreEqual(0L, allocated, "Use of the current credential and its scope's end allocate nothing");
            Assert.AreSame(Alice, NfsCallContext.Current);
        }

        // A real change does allocate (an execution context): the measurement above can see allocation.
        var changing = GC.GetAllocatedBytesForCurrentThread();
        using (NfsCallContext.Use(Bob))
        {
        }

        Assert.IsGreaterThan(0L, GC.GetAllocatedBytesForCurrentThread() - changing);
    }

    [TestMethod]
    public void Disposing_a_scope_twice_or_a_default_scope_does_no_harm()
    {
        var outer = NfsCallContext.Use(Alice);
        var inner = NfsCallContext.Use(Bob);
        inner.Dispose();
        inner.Dispose();
        Assert.AreSame(Alice, NfsCallContext.Current);
        default(NfsCallContext.Scope).Dispose();
        Assert.AreSame(Alice, NfsCallContext.Current);
        outer.Dispose();
        Assert.IsNull(NfsCallContext.Current);
    }

    [TestMethod]
    public async Task The_credential_flows_into_awaits_and_tasks_but_not_back_out_of_an_async_method()
    {
        using (NfsCallContext.Use(Alice))
        {
            await Task.Yield();
            Assert.AreSame(Alice, NfsCallContext.Current, "kept across an await");
            Assert.AreSame(Alice, await Task.Run(() => NfsCallContext.Current), "seen by work started from the flow");
            await SetBobInsideAsync();
            Assert.AreSame(Alice, NfsCallContext.Current, "what an async method set stays in it");
        }

        Assert.IsNull(NfsCallContext.Current);
    }

    [TestMethod]
    public async Task Concurrent_flows_each_keep_their_own_credential()
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var alice = SeenAfterAwaitAsync(Alice, start.Task);
        var bob = SeenAfterAwaitAsync(Bob, start.Task);
        start.SetResult();

        Assert.AreSame(Alice, await alice);
        Assert.AreSame(Bob, await bob);
        Assert.IsNull(NfsCallContext.Current);
    }

    [TestMethod]
    public async Task Detached_work_does_not_carry_the_credential_of_the_flow_that_started_it()
    {
        RpcCredential? seen = Alice;
        using (NfsCallContext.Use(Alice))
        {
            await NfsCallContext.StartDetached(async () =>
            {
                await Task.Yield();
                seen = NfsCallContext.Current;
            });
            Assert.AreSame(Alice, NfsCallContext.Current, "the starting flow keeps its own");
        }

        Assert.IsNull(seen);
    }

    private static void UseSameTimes(int times)
    {
        for (var i = 0; i < times; i++)
        {
            using (NfsCallContext.Use(Alice))
            {
            }
        }
    }

    private static async Task SetBobInsideAsync()
    {
        var scope = NfsCallContext.Use(Bob);
        await Task.Yield();
        Assert.AreSame(Bob, NfsCallContext.Current);

        // Not disposed on purpose: the caller's flow must not see it anyway.
        _ = scope;
    }

    private static async Task<RpcCredential?> SeenAfterAwaitAsync(RpcCredential credential, Task start)
    {
        using (NfsCallContext.Use(credential))
        {
            await start;
            await Task.Delay(20);
            return NfsCallContext.Current;
        }
    }
}
