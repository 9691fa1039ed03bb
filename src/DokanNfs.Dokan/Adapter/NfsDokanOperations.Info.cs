using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using DokanNfs.Namespace;

namespace DokanNfs.Dokan.Adapter;

// Queries on one object: GetFileInformation, FindFiles, FindFilesWithPattern, FindStreams (issue 6 §4, §9).
// Volume queries are in .Volume.cs; what the answers reveal about changes on the server in .Changes.cs.
public sealed partial class NfsDokanOperations
{
    /// <summary>The one stream a file shows (MS-FSCC 2.4.44: the unnamed data stream); directories show none.</summary>
    private const string DataStreamName = "::$DATA";

    /// <summary>
    /// Attributes, FILETIMEs, volume serial (from the fsid), size, link count and file index (from the fileid)
    /// of the open's object — asked through its NFS OPEN when it has one, so the size is the server's current
    /// one after this handle's writes (and still answers after the name was changed under it), otherwise by
    /// the open's path. A trigger point not mounted yet answers synthesized attributes and stays unmounted.
    /// </summary>
    public int GetFileInformation(ReadOnlySpan<char> fileName, out BY_HANDLE_FILE_INFORMATION information, ref DOKAN_FILE_INFO info)
    {
        information = default;
        string? path = null;
        try
        {
            var context = ContextOf(ref info);
            var status = QueryPathOf(context, fileName, ref info, out path);
            if (status != NtStatus.Success)
            {
                return status;
            }

            using (CredentialScope.Use(context?.Credential))
            {
                var attributes = Wait(GetAttributesAsync(context, path), ref info);
                WindowsInfo.Fill(attributes, ref information);
                NoticeAttributes(path, attributes, ownOpen: CanWrite(context), canRelist: true, ref info);
            }

            return NtStatus.Success;
        }
        catch (Exception e)
        {
            return Fail(e, nameof(GetFileInformation), path);
        }
    }

    /// <summary>Every entry of the directory (no "." or "..": Dokan adds them).</summary>
    public int FindFiles<TSink>(ReadOnlySpan<char> fileName, ref TSink sink, ref DOKAN_FILE_INFO info)
        where TSink : IFindDataSink, allows ref struct =>
        ListDirectory(fileName, [], ref sink, ref info, nameof(FindFiles));

    /// <summary>
    /// Entries of the directory whose Windows names match <paramref name="searchPattern"/> (DOS wildcards, the
    /// FsRtlIsNameInExpression forms with &lt; &gt; " included). The whole directory is read either way, so the
    /// change tracking (.Changes.cs) sees every name.
    /// </summary>
    public int FindFilesWithPattern<TSink>(ReadOnlySpan<char> fileName, ReadOnlySpan<char> searchPattern, ref TSink sink, ref DOKAN_FILE_INFO info)
        where TSink : IFindDataSink, allows ref struct =>
        ListDirectory(fileName, searchPattern, ref sink, ref info, nameof(FindFilesWithPattern));

    /// <summary>
    /// A file has one stream, "::$DATA", with the file's size. A directory answers success with no streams — what
    /// NTFS answers for a directory without named streams — because copy tools (CopyFileEx, robocopy) query the
    /// streams of every source, directories included, and a failure there can fail the whole copy.
    /// </summary>
    public int FindStreams<TSink>(ReadOnlySpan<char> fileName, ref TSink sink, ref DOKAN_FILE_INFO info)
        where TSink : IFindStreamSink, allows ref struct
    {
        string? path = null;
        try
        {
            var context = ContextOf(ref info);
            var status = QueryPathOf(context, fileName, ref info, out path);
            if (status != NtStatus.Success)
            {
                return status;
            }

            NfsAttributes attributes;
            using (CredentialScope.Use(context?.Credential))
            {
                attributes = Wait(GetAttributesAsync(context, path), ref info);
            }

            if (WindowsInfo.IsDirectory(attributes))
            {
                return NtStatus.Success;
            }

            var data = default(WIN32_FIND_STREAM_DATA);
            data.StreamSize = (long)Math.Min(attributes.Size ?? 0, long.MaxValue);
            unsafe
            {
                var name = new Span<char>(data.cStreamName, DokanConstants.MaxStreamNameLength);
                DataStreamName.CopyTo(name);
                name[DataStreamName.Length] = '\0';
            }

            return sink.Add(ref data) ? NtStatus.Success : NtStatus.BufferOverflow;
        }
        catch (Exception e)
        {
            return Fail(e, nameof(FindStreams), path);
        }
    }

    /// <summary>
    /// Lists the directory through the trigger layer (listing a trigger point mounts it; trigger points among
    /// the entries are shown as directories and not mounted) and hands the entries that match to the sink until
    /// it is full. A name Windows cannot be given (longer than cFileName holds) is skipped and logged.
    /// </summary>
    private int ListDirectory<TSink>(ReadOnlySpan<char> fileName, ReadOnlySpan<char> pattern, ref TSink sink, ref DOKAN_FILE_INFO info, string callback)
        where TSink : IFindDataSink, allows ref struct
    {
        string? path = null;
        try
        {
            var context = ContextOf(ref info);
            var status = QueryPathOf(context, fileName, ref info, out path);
            if (status != NtStatus.Success)
            {
                return status;
            }

            var matchAll = pattern.IsEmpty || pattern is "*";
            using (CredentialScope.Use(context?.Credential))
            {
                var tracking = BeginListingChanges(path);
                var complete = false;
                try
                {
                    var listing = _fs.ListAsync(path, Ct).GetAsyncEnumerator(Ct);
                    try
                    {
                        var full = false;
                        var data = default(WIN32_FIND_DATAW);
                        while (Wait(listing.MoveNextAsync(), ref info))
                        {
                            var entry = listing.Current;
                            NoticeListedEntry(ref tracking, entry);
                            var name = ToWindowsName(entry.Name);
                            if (!matchAll && !MatchesPattern(pattern, name))
                            {
                                continue;
                            }

                            if (!WindowsInfo.Fill(name, entry.Attributes, ref data))
                            {
                                InfoLog.NameTooLong(_logger, path, name.Length, DokanConstants.MaxPath - 1);
                                continue;
                            }

                            if (!sink.Add(ref data))
                            {
                                // Dokan's buffer is full: what was given is the answer; the rest is not read.
                                full = true;
                                break;
                            }
                        }

                        complete = !full;
                    }
                    finally
                    {
                        Wait(listing.DisposeAsync(), ref info);
                    }
                }
                finally
                {
                    EndListingChanges(ref tracking, complete);
                }
            }

            return NtStatus.Success;
        }
        catch (Exception e)
        {
            return Fail(e, callback, path);
        }
    }

    /// <summary>The drive path of the open (its own, which follows renames), or of <paramref name="fileName"/> without one.</summary>
    private int QueryPathOf(FileContext? context, ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info, out string path)
    {
        if (context is not null)
        {
            path = context.Path;
            return NtStatus.Success;
        }

        return ResolvePath(fileName, ref info, out path);
    }

    /// <summary>The attributes through the open's NFS OPEN when it has one, else by path.</summary>
    private async ValueTask<NfsAttributes> GetAttributesAsync(FileContext? context, string path)
    {
        var handle = OpenHandleOf(context);
        if (handle is not null)
        {
            try
            {
                return await handle.GetAttributesAsync(Ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException && !ReferenceEquals(handle, OpenHandleOf(context)))
            {
                // Cleanup closed the OPEN while we asked (Dokan may query on another thread): ask by path.
            }
        }

        return await _fs.GetAttributesAsync(path, Ct).ConfigureAwait(false);
    }

    private static INfsFileHandle? OpenHandleOf(FileContext? context)
    {
        if (context is null)
        {
            return null;
        }

        lock (context.Sync)
        {
            return context.Handle ?? context.LateHandle;
        }
    }

    /// <summary>The open may change the object itself, so a change seen through it is presumed its own.</summary>
    private static bool CanWrite(FileContext? context) => context is not null && (context.DesiredAccess & NtCreate.WriteAccess) != 0;

    /// <summary>
    /// DOS wildcards with FsRtlIsNameInExpression semantics (MS-FSA §2.1.4.4). Case is ignored only when the
    /// adapter is case-insensitive, so the match agrees with FILE_CASE_SENSITIVE_SEARCH in GetVolumeInformation.
    /// </summary>
    private bool MatchesPattern(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name) =>
        DosWildcard.IsMatch(pattern, name, Options.CaseInsensitive);

    /// <summary>A name as Windows may show it: characters it forbids go to U+F000 + c (WindowsNames).</summary>
    private static string ToWindowsName(string name) => WindowsNames.ToWindows(name);
}
