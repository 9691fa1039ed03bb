using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Host;
using DokanNfs.Dokan.Tests.Simulator;
using DokanNfs.Namespace;
using DokanNfs.TestSupport.Logging;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Dokan.Tests.Native;

/// <summary>
/// A real Ganesha and the drive over it (the simulator's base), plus a second adapter over the same file system
/// mounted through the dokan2 stand-in with a <see cref="NativeDokanHost"/>: the real interop path. Scenarios
/// can run through <see cref="Driver"/> (C → trampolines → adapter) and through <see cref="SimulatorTestBase.Sim"/>
/// (the adapter called directly) and compare.
/// </summary>
public abstract class NativeTestBase(TestContext testContext) : SimulatorTestBase(testContext)
{
    /// <summary>The volume mounted through the stand-in (after <see cref="MountNativeAsync"/>).</summary>
    internal DokanVolume Volume { get; private set; } = null!;

    internal NativeDokanHost NativeHost { get; private set; } = null!;

    internal StandInDriver Driver { get; private set; } = null!;

    /// <summary>What the volume's callbacks logged (their exception barrier).</summary>
    internal RecordingLogger VolumeLog { get; } = new();

    /// <summary>The adapter behind <see cref="Volume"/>.</summary>
    internal NfsDokanOperations NativeOperations => Volume.Operations;

    /// <summary>A folder mount point no other test uses.</summary>
    internal static string UniqueFolder() => $@"C:\dokannfs\{Guid.NewGuid():N}";

    /// <summary>Mounts the export (simulator side) and, over the same file system, a volume through the stand-in.</summary>
    /// <param name="faulty">The native side's adapter works on a <see cref="FaultyFileSystem"/>.</param>
    internal async Task MountNativeAsync(
        DokanAdapterOptions? adapterOptions = null, DokanMountOptions? mountOptions = null, ILogger? adapterLogger = null, bool faulty = false)
    {
        StandIn.EnsureLoaded();
        adapterOptions ??= new DokanAdapterOptions();
        await MountAsync(adapterOptions);
        NativeHost = new NativeDokanHost();
        var operations = new NfsDokanOperations(faulty ? new FaultyFileSystem(FileSystem) : FileSystem, NativeHost, adapterOptions, adapterLogger);
        Volume = Track(DokanVolume.Mount(operations, NativeHost, mountOptions ?? new DokanMountOptions { MountPoint = UniqueFolder() }, VolumeLog));
        Driver = new StandInDriver(Volume.MountPoint);
    }
}

/// <summary>A logger that throws on every event: to make code that logs fail where it logs.</summary>
internal sealed class ThrowingLogger : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        throw new InvalidOperationException($"logger refused event {eventId.Id}");
}

/// <summary>
/// The file system with a fault: every call about a path containing "boom" throws an exception the adapter does
/// not expect (not an NFS or transport error), the way a bug would.
/// </summary>
internal sealed class FaultyFileSystem(INfsFileSystem inner) : INfsFileSystem
{
    private static string Check(string path) =>
        path.Contains("boom", StringComparison.Ordinal) ? throw new InvalidOperationException($"injected fault at {path}") : path;

    public ValueTask<NfsAttributes> GetAttributesAsync(string path, CancellationToken cancellationToken) =>
        inner.GetAttributesAsync(Check(path), cancellationToken);

    public ValueTask<NfsAttributes> GetFileSystemAttributesAsync(string path, CancellationToken cancellationToken) =>
        inner.GetFileSystemAttributesAsync(Check(path), cancellationToken);

    public IAsyncEnumerable<NfsFsEntry> ListAsync(string path, CancellationToken cancellationToken) => inner.ListAsync(Check(path), cancellationToken);

    public ValueTask<INfsFileHandle> OpenAsync(string path, OpenRequest request, CancellationToken cancellationToken) =>
        inner.OpenAsync(Check(path), request, cancellationToken);

    public ValueTask<NfsAttributes> CreateDirectoryAsync(string path, SetAttributes? attributes, CancellationToken cancellationToken) =>
        inner.CreateDirectoryAsync(Check(path), attributes, cancellationToken);

    public ValueTask<NfsAttributes> CreateSymlinkAsync(string path, string target, SetAttributes? attributes, CancellationToken cancellationToken) =>
        inner.CreateSymlinkAsync(Check(path), target, attributes, cancellationToken);

    public ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken) => inner.ReadLinkAsync(Check(path), cancellationToken);

    public ValueTask RemoveAsync(string path, CancellationToken cancellationToken) => inner.RemoveAsync(Check(path), cancellationToken);

    public ValueTask RenameAsync(string from, string to, CancellationToken cancellationToken) => inner.RenameAsync(Check(from), Check(to), cancellationToken);

    public ValueTask<NfsAttributes> SetAttributesAsync(string path, SetAttributes attributes, CancellationToken cancellationToken) =>
        inner.SetAttributesAsync(Check(path), attributes, cancellationToken);
}
