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
/// Windows workflow run the rest. The NFS minor version is the class's <see cref="Version"/>: 4.0 here, 4.1 in the
/// derived classes of <c>Simulator/V41Tests.cs</c>, so the same tests run for both without a copy.
/// </summary>
[TestCategory("Ganesha")]
public abstract class SimulatorTestBase(TestContext testContext)
{
    protected const string Export = "/export";

    private readonly List<IAsyncDisposable> _disposables = [];

    protected GaneshaServerGroup Servers { get; } = new();

    protected TestContext TestContext => testContext;

    protected CancellationToken Ct => testContext.CancellationToken;

    /// <summary>The NFS minor version every client of the test speaks (the mounted drive's and "other machines").</summary>
    protected virtual NfsVersion Version => NfsVersion.V40;

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
        var client = new NfsClient(Server.EndPoint, ClientOptions(clientOptions));
        _disposables.Add(client);
        FileSystem = await NamespaceFileSystem.MountAsync(client, Server.EndPoint, Export, namespaceOptions, Ct);
        _disposables.Add(FileSystem);
        adapterOptions ??= new DokanAdapterOptions();
        var host = new RecordingDokanHost(adapterOptions.RequestTimeout);
        var operations = new NfsDokanOperations(FileSystem, host, adapterOptions);
        _disposables.Add(operations);
        Sim = new WindowsIoSimulator(operations, host);
    }

    /// <summary>
    /// <paramref name="options"/> (or the defaults) for a client of this test: its <see cref="Version"/>, and an identity
    /// of its own unless one is given, so each client is another machine to the server.
    /// </summary>
    protected NfsClientOptions ClientOptions(NfsClientOptions? options = null)
    {
        options ??= new NfsClientOptions();
        return options with { Version = Version, Identity = options.Identity ?? ClientIdentity.Create() };
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
