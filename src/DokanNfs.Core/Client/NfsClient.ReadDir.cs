using System.Runtime.CompilerServices;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

public sealed partial class NfsClient
{
    /// <summary>
    /// Lists a directory with READDIR (RFC 7530 §16.24), page by page: each reply of up to
    /// <see cref="NfsClientOptions.ReadDirMaxCount"/> bytes is yielded before the next is asked for, so a
    /// directory of any size is listed without holding it. The attributes come in the same call, with
    /// rdattr_error, so a referral among the entries is listed (marked) instead of failing the listing.
    /// </summary>
    public async IAsyncEnumerable<NfsDirEntry> ReadDirAsync(string path, Bitmap4? attributes = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var dir = await ResolveAsync(path, AttributeRequests.Stat, cancellationToken).ConfigureAwait(false);
        if (!dir.IsDirectory)
        {
            throw new NfsException(NfsStat4.NotDir, NfsOpnum4.ReadDir, dir.Path);
        }

        await foreach (var entry in ReadDirAsync(dir, attributes, cancellationToken).ConfigureAwait(false))
        {
            yield return entry;
        }
    }

    /// <summary>Lists a directory already resolved.</summary>
    public async IAsyncEnumerable<NfsDirEntry> ReadDirAsync(NfsNode directory, Bitmap4? attributes = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directory);

        // Read when the listing starts: every page goes out as the user who asked for the first, whatever flow
        // the later pages are pulled from.
        var credential = CallerCredential;
        var request = (attributes ?? AttributeRequests.ReadDir).With(FAttr4.RdAttrError);

        // Under NFSv4.1 a reply may not exceed the fore channel's ca_maxresponsesize (RFC 8881 §18.36.3). The server's
        // maxread does not bound it: that is READ's limit, and a server sends less than maxcount when it must
        // (RFC 7530 §16.24.4) — NFS-Ganesha 4.3 (maxread 1 MiB) answers a 3 MiB maxcount with one reply of 10,000 entries.
        var maxCount = Session is { } session ? Math.Min(_options.ReadDirMaxCount, session.MaxReadPayload) : _options.ReadDirMaxCount;

        // The sizes and times listed include our own WRITEs still in flight to files here (write-behind).
        await WaitForWritesBehindInAsync(directory.Path, cancellationToken).ConfigureAwait(false);

        var page = new ReadDirPage(directory.FileHandle, 0, default, maxCount, request, directory.Path);
        while (true)
        {
            (Verifier4 Verifier, List<NfsDirEntry> Entries, bool Eof) reply;
            try
            {
                reply = await RunAsync(
                    "readdir",
                    page,
                    static (ref CompoundEncoder e, ReadDirPage p) =>
                    {
                        e.PutFh(p.Directory);
                        e.ReadDir(p.Cookie, p.Verifier, p.MaxCount, p.MaxCount, p.Request);
                    },
                    static (ref XdrReader r) => DecodeReadDir(ref r),
                    cancellationToken,
                    credential: credential).ConfigureAwait(false);
            }
            catch (NfsException ex) when (ex.Status == NfsStat4.Moved && ex is not NfsMovedException && page.Cookie == 0)
            {
                // The directory came from a cache and its file system has moved since: a walk describes the move
                // (NfsMovedException with the fs_locations), which is what the layers above act on.
                throw await DescribeMovedAsync(ex, directory.Path, cancellationToken).ConfigureAwait(false);
            }

            var (verifier, entries, eof) = reply;

            foreach (var entry in entries)
            {
                yield return entry;
            }

            if (eof)
            {
                yield break;
            }

            if (entries.Count == 0)
            {
                // No entries and no eof would make us ask for the same page forever.
                throw new NfsException(NfsStat4.TooSmall, NfsOpnum4.ReadDir, directory.Path);
            }

            page = page with { Cookie = entries[^1].Cookie, Verifier = verifier };
        }
    }

    private static (Verifier4 Verifier, List<NfsDirEntry> Entries, bool Eof) DecodeReadDir(ref XdrReader r)
    {
        var results = CompoundResults.Begin(ref r);
        results.PutFh(ref r);
        var verifier = results.ReadDir(ref r);
        var entries = new List<NfsDirEntry>();
        while (DirEntryReader.TryReadEntry(ref r, out var cookie, out var name, out var mask, out var values))
        {
            entries.Add(new NfsDirEntry(name, cookie, Fattr4.DecodeValues(mask, values)));
        }

        return (verifier, entries, DirEntryReader.ReadEof(ref r));
    }

    private sealed record ReadDirPage(NfsFh Directory, ulong Cookie, Verifier4 Verifier, uint MaxCount, Bitmap4 Request, string Path);
}
