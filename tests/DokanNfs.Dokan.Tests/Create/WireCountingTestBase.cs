using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Tests.Simulator;
using DokanNfs.Namespace;
using DokanNfs.TestSupport.Capture;

namespace DokanNfs.Dokan.Tests.Create;

/// <summary>
/// A simulator whose adapter reaches Ganesha through a <see cref="RecordingProxy"/>, so a test can count the NFS
/// operations one step put on the wire (OPEN, CLOSE, …). It sits beside the base class's own mount of the same
/// export, which plays "another program" on another client.
/// </summary>
public abstract class WireCountingTestBase(TestContext testContext) : SimulatorTestBase(testContext)
{
    protected RecordingProxy Wire { get; private set; } = null!;

    /// <summary>The simulator over the recorded connection.</summary>
    protected WindowsIoSimulator Recorded { get; private set; } = null!;

    /// <summary>Mounts the export directly (<see cref="SimulatorTestBase.Sim"/>) and a second time through the proxy (<see cref="Recorded"/>).</summary>
    protected async Task MountRecordedAsync(DokanAdapterOptions? adapterOptions = null)
    {
        await MountAsync(adapterOptions);
        Wire = Track(RecordingProxy.Start(Server.EndPoint));
        var client = Track(new NfsClient(Wire.EndPoint, ClientOptions()));
        var fileSystem = Track(await NamespaceFileSystem.MountAsync(client, Wire.EndPoint, Export, null, Ct));
        adapterOptions ??= new DokanAdapterOptions();
        var host = new RecordingDokanHost(adapterOptions.RequestTimeout);
        Recorded = new WindowsIoSimulator(Track(new NfsDokanOperations(fileSystem, host, adapterOptions)), host);
    }

    /// <summary>Runs <paramref name="action"/> as the proxy's step <paramref name="step"/>.</summary>
    protected T Step<T>(string step, Func<T> action)
    {
        Wire.Step = step;
        try
        {
            return action();
        }
        finally
        {
            Wire.Step = "after " + step;
        }
    }

    protected void Step(string step, Action action) => Step(step, () =>
    {
        action();
        return 0;
    });

    /// <summary>How many <paramref name="op"/> operations the replies to <paramref name="step"/>'s calls held (failed ones too).</summary>
    protected int Count(string step, NfsOpnum4 op)
    {
        var count = 0;
        foreach (var reply in Wire.Replies)
        {
            if (reply.Step != step)
            {
                continue;
            }

            try
            {
                _ = ReplyDecoding.DecodeRecord(reply.Record, (decoded, _) => count += decoded == op ? 1 : 0);
            }
            catch (Exception e) when (e is RpcException or NfsException)
            {
                // A NULL ping or a refused call: no COMPOUND, nothing to count (a failed operation was counted first).
            }
        }

        return count;
    }
}
