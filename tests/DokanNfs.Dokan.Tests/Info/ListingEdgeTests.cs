using System.Runtime.CompilerServices;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using DokanNfs.Namespace;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Info;

/// <summary>
/// Listings no Linux export can produce (a name longer than a Windows directory entry holds: Linux stops at 255
/// bytes), over a file system that serves a fixed directory.
/// </summary>
[TestClass]
public sealed class ListingEdgeTests
{
    [TestMethod]
    public void A_name_longer_than_a_directory_entry_holds_is_skipped_and_the_rest_is_listed()
    {
        var fits = new string('f', 259);
        var tooLong = new string('L', 260);
        var fs = new FixedDirectory(["before", tooLong, fits, "after"]);
        var host = new RecordingDokanHost(TimeSpan.FromSeconds(15));
        var sim = new WindowsIoSimulator(new NfsDokanOperations(fs, host), host);

        var entries = sim.ExplorerLists(@"\");

        CollectionAssert.AreEqual(new[] { "before", fits, "after" }, entries.Select(e => e.Name).ToList());
        Assert.IsNull(host.Unmounted);
    }

    [TestMethod]
    public void A_listing_that_fails_midway_answers_the_mapped_status_and_the_next_listing_works()
    {
        var fs = new FixedDirectory(["a", "b", "c"]) { FailAfter = 2 };
        var host = new RecordingDokanHost(TimeSpan.FromSeconds(15));
        var sim = new WindowsIoSimulator(new NfsDokanOperations(fs, host), host);
        var root = sim.Open(@"\", FileListDirectory, FileShareRead, FileOpen, FileDirectoryFile);

        Assert.AreEqual(NtStatus.IoTimeout, sim.FindFilesWithPattern(root, "*", out _));
        fs.FailAfter = null;
        Assert.AreEqual(NtStatus.Success, sim.FindFilesWithPattern(root, "*", out var entries));

        Assert.HasCount(3, entries);
        Assert.IsEmpty(host.Notifications, "a failed listing is no baseline to compare with");
        sim.Close(root);
    }

    /// <summary>"/" is a directory holding files of the given names; everything else is not supported.</summary>
    private sealed class FixedDirectory(string[] names) : INfsFileSystem
    {
        public int? FailAfter { get; set; }

        public ValueTask<NfsAttributes> GetAttributesAsync(string path, CancellationToken cancellationToken) =>
            path == "/" ? ValueTask.FromResult(Directory()) : throw new NfsException(NfsStat4.NoEnt, NfsOpnum4.Lookup, path);

        public ValueTask<NfsAttributes> GetFileSystemAttributesAsync(string path, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Directory());

        public async IAsyncEnumerable<NfsFsEntry> ListAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var i = 0; i < names.Length; i++)
            {
                await Task.Yield();
                if (i == FailAfter)
                {
                    throw new Core.Rpc.RpcTimeoutException("no reply to READDIR");
                }

                yield return new NfsFsEntry(names[i], new NfsAttributes { Type = NfsFtype4.Reg, Size = 1, Mode = 0x1A4, Change = 7 });
            }
        }

        public ValueTask<INfsFileHandle> OpenAsync(string path, OpenRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<NfsAttributes> CreateDirectoryAsync(string path, SetAttributes? attributes, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<NfsAttributes> CreateSymlinkAsync(string path, string target, SetAttributes? attributes, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask RemoveAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask RenameAsync(string from, string to, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<NfsAttributes> SetAttributesAsync(string path, SetAttributes attributes, CancellationToken cancellationToken) => throw new NotSupportedException();

        private static NfsAttributes Directory() => new() { Type = NfsFtype4.Dir, Mode = 0x1ED, Change = 1, FileId = 2 };
    }
}
