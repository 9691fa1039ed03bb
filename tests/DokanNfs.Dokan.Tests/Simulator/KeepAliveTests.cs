using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using DokanNfs.TestSupport.Ganesha;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Simulator;

/// <summary>
/// Issue 6 §12: Dokan unmounts a volume whose request outlives DOKAN_OPTIONS.Timeout, so a callback that waits
/// on the network keeps its request alive with DokanResetTimeout — a server reboot never unmounts the drive.
/// </summary>
[TestClass]
public class KeepAliveTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    [TestMethod]
    public async Task A_create_that_waits_through_a_server_reboot_and_its_grace_period_keeps_its_request_alive()
    {
        await MountAsync(
            new DokanAdapterOptions { RequestTimeout = TimeSpan.FromSeconds(1.5) },
            new GaneshaOptions { Graceless = false, GracePeriodSeconds = 3 });
        File.WriteAllText(OnDisk(@"\before.txt"), "x");
        Sim.Close(Sim.Open(@"\before.txt", FileReadAttributes, FileShareRead, FileOpen)); // the client is up and has a lease

        await Server.StopAsync(Ct);
        var create = Task.Run(() => Sim.Create(@"\during.txt", GenericRead | GenericWrite, FileShareRead, FileCreate, FileNonDirectoryFile), Ct);
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        Assert.IsFalse(create.IsCompleted, "the create should wait for the server (hard mount)");
        await Server.RestartAsync(Ct);

        var result = await create.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.AreEqual(NtStatus.Success, result.Status);
        Sim.Close(result.Handle!);
        Assert.IsTrue(File.Exists(OnDisk(@"\during.txt")));
        Assert.IsTrue(Host.ResetTimeoutCount >= 4, $"DokanResetTimeout was called {Host.ResetTimeoutCount} times over a wait of more than 3 s with a 1.5 s timeout");
        Assert.IsNull(Host.Unmounted);
    }

    /// <summary>The simulated driver's deadline is real: a request that runs past it without a reset unmounts.</summary>
    [TestMethod]
    public void A_request_that_outlives_the_timeout_without_a_reset_unmounts_the_simulated_volume()
    {
        var host = new RecordingDokanHost(TimeSpan.FromMilliseconds(100));
        host.BeginRequest(1);
        Thread.Sleep(250);
        host.EndRequest(1, "a slow callback");
        StringAssert.Contains(host.Unmounted, "a slow callback");

        var kept = new RecordingDokanHost(TimeSpan.FromMilliseconds(200));
        var info = new DOKAN_FILE_INFO { DokanContext = 2 };
        kept.BeginRequest(2);
        for (var i = 0; i < 5; i++)
        {
            Thread.Sleep(80);
            kept.ResetTimeout(200, ref info);
        }

        kept.EndRequest(2, "a slow callback that kept itself alive");
        Assert.IsNull(kept.Unmounted);
    }
}
