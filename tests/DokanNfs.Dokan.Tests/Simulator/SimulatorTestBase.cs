using DokanNfs.Core.Client;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Namespace;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Dokan.Tests.Simulator;

/// <summary>
/// A real NFS-Ganesha per test, its export mounted through the trigger layer as a drive root, the adapter
/// over it, and the Windows I/O simulator driving the adapter. Cleanup releases the adapter's opens, the
/// namespace, the client and the server, in that order; the server log is written out when a test failed.
/// Every test under it needs Linux with NFS-Ganesha (and, for Native/, a C compiler): the category lets the
/// Windows workflow run the rest.
/// </summary>
[TestCategory("Ganesha")]
public abstract class SimulatorTestBase(TestContext testContext)
{
    protected const string Export = "/export";

    private readonly List<IAsyncDisposable> _disposables = [];

    protected GaneshaServerGroup Servers { get; } = new();

    protected TestContext TestContext => testContext;

    protected CancellationToken Ct => testContext.CancellationToken;

    /// <summary>The server of the mounted drive (after <see cref="MountAsync"/>).</summary>
    protected GaneshaServer Server { get; private set; } = null!;

    protected WindowsIoSimulator Sim { get; private set; } = null!;

    protected RecordingDokanHost Host => Sim.Host;

    protected NfsDokanOperations Operations => Sim.Operations;

    protected NamespaceFileSystem FileSystem { get; private set; } = null!;

    /// <summary>The export's directory on this machine: the truth the scenarios check against.</summary>
    protected string ExportDirectory => Server.ExportPath;

    /// <summary>Where <paramref name="windowsPath"/> ("\a\b") lives on disk.</summary>
    protected string OnDisk(string windowsPath) => Path.Combine(ExportDirectory, windowsPath.TrimStart('\\').Replace('\\', '/'));

    /// <summary>Starts a server (unless given one), mounts its export and builds the adapter and the simulator.</summary>
    protected async Task MountAsync(
        DokanAdapterOptions? adapterOptions = null, GaneshaOptions? serverOptions = null, NfsClientOptions? clientOptions = null,
        NamespaceOptions? namespaceOptions = null, GaneshaServer? server = null)
    {
        Server = server ?? await Servers.StartAsync(serverOptions, Ct);
        clientOptions ??= new NfsClientOptions();
        if (clientOptions.Identity is null)
        {
            clientOptions = clientOptions with { Identity = ClientIdentity.Create() };
        }

        var client = new NfsClient(Server.EndPoint, clientOptions);
        _disposables.Add(client);
        FileSystem = await NamespaceFileSystem.MountAsync(client, Server.EndPoint, Export, namespaceOptions, Ct);
        _disposables.Add(FileSystem);
        adapterOptions ??= new DokanAdapterOptions();
        var host = new RecordingDokanHost(adapterOptions.RequestTimeout);
        var operations = new NfsDokanOperations(FileSystem, host, adapterOptions);
        _disposables.Add(operations);
        Sim = new WindowsIoSimulator(operations, host);
    }

    /// <summary>Registers something to be disposed at cleanup, before the servers stop (newest first).</summary>
    protected T Track<T>(T disposable)
        where T : IAsyncDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    [TestCleanup]
    public async Task CleanupAsync()
    {
        if (testContext.CurrentTestOutcome is not (UnitTestOutcome.Passed or UnitTestOutcome.Inconclusive))
        {
            Servers.WriteLogs(testContext.WriteLine);
        }

        try
        {
            for (var i = _disposables.Count - 1; i >= 0; i--)
            {
                try
                {
                    await _disposables[i].DisposeAsync();
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or Core.Nfs4.NfsException or Core.Rpc.RpcException)
                {
                    testContext.WriteLine($"cleanup: {ex.GetType().Name}: {ex.Message}");
                }
            }

            if (Sim is not null)
            {
                Assert.IsNull(Host.Unmounted, "the simulated driver unmounted the volume");
            }
        }
        finally
        {
            await Servers.DisposeAsync();
        }
    }
}
