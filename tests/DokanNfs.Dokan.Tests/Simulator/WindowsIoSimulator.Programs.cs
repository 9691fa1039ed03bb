using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using DokanNfs.Dokan.Security;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Simulator;

/// <summary>What Explorer learned about the volume when it opened the root (§1.1).</summary>
public sealed record SimVolume(
    string VolumeName, uint Serial, uint MaximumComponentLength, uint Flags, string FileSystemName, ulong FreeBytesAvailable, ulong TotalBytes, ulong FreeBytes);

/// <summary>A file's three FILETIMEs (100 ns ticks since 1601) as a copy program reads them from its source.</summary>
public sealed record SimFileTimes(long Creation, long LastAccess, long LastWrite);

/// <summary>What Word's safe save left behind for the scenario to look at.</summary>
public sealed record WordSave(BY_HANDLE_FILE_INFORMATION OldDocumentAfterBackupRename, SimHandle Document);

// Program recipes: the requests real programs make through Dokan, with the raw NT values of
// ../shared/windows-io.md and the section each step follows; every status the program depends on is asserted
// here, probes that may fail hand their status back. Explorer's browsing basics are in WindowsIoSimulator.Info.cs.
public sealed partial class WindowsIoSimulator
{
    /// <summary>GENERIC_READ as the I/O manager maps it for files (§0).</summary>
    public const uint MappedGenericRead = 0x120089;

    /// <summary>GENERIC_WRITE as mapped (§0).</summary>
    public const uint MappedGenericWrite = 0x120116;

    /// <summary>GENERIC_READ | GENERIC_WRITE as mapped (§0).</summary>
    public const uint MappedGenericReadWrite = 0x12019F;

    /// <summary>CopyFileEx's destination: read/write, DELETE, READ_CONTROL, WRITE_DAC, SYNCHRONIZE (§2 "Copy in").</summary>
    public const uint CopyDestinationAccess = 0x17019F;

    /// <summary>Explorer's delete open: DELETE | FILE_READ_ATTRIBUTES (§2 "Delete").</summary>
    public const uint ExplorerDeleteAccess = 0x10080;

    /// <summary>Explorer's rename open: DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES (§2 "Rename").</summary>
    public const uint ExplorerRenameAccess = 0x110080;

    /// <summary>The enumeration open: LIST_DIRECTORY | SYNCHRONIZE (§1.3).</summary>
    public const uint EnumerateAccess = 0x100001;

    /// <summary>cmd's redirection: GENERIC_WRITE | FILE_READ_ATTRIBUTES as mapped (§3 `echo x > f`).</summary>
    public const uint CmdRedirectAccess = 0x120196;

    public const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;

    /// <summary>OWNER | GROUP | DACL: what Explorer asks GetFileSecurity for.</summary>
    public const uint ExplorerSecurityInformation = SecurityInformation.Owner | SecurityInformation.Group | SecurityInformation.Dacl;

    /// <summary>robocopy's placeholder LastWriteTime, 1980-01-01 00:00 UTC, set before the data (§3).</summary>
    public static readonly long RobocopyPlaceholderTime = new DateTime(1980, 1, 1, 0, 0, 0, DateTimeKind.Utc).ToFileTimeUtc();

    /// <summary>
    /// Explorer opening the volume root (§1.1): ZwCreateFile("\", SYNCHRONIZE, share RW, OPEN) → GetFileInformation,
    /// GetVolumeInformation, GetFileInformation, GetDiskFreeSpace → Cleanup, CloseFile; every status asserted.
    /// </summary>
    public BY_HANDLE_FILE_INFORMATION ExplorerOpensRoot(out SimVolume volume)
    {
        var root = Open(@"\", Synchronize, FileShareRead | FileShareWrite, FileOpen);
        Assert.IsTrue(root.IsDirectory, "the root is a directory");
        Assert.AreEqual(NtStatus.Success, GetFileInformation(root, out var information), "§1.1 GetFileInformation");
        Assert.AreEqual(NtStatus.Success, GetVolumeInformation(root, out var name, out var serial, out var maxComponent, out var flags, out var fileSystemName), "§1.1 GetVolumeInformation");
        Assert.AreEqual(NtStatus.Success, GetFileInformation(root, out _), "§1.1 GetFileInformation again");
        Assert.AreEqual(NtStatus.Success, GetDiskFreeSpace(root, out var available, out var total, out var free), "§1.1 GetDiskFreeSpace");
        Close(root);
        volume = new SimVolume(name, serial, maxComponent, flags, fileSystemName, available, total, free);
        return information;
    }

    /// <summary>
    /// The autorun probe (§1.2): ZwCreateFile("\autorun.inf", FILE_READ_ATTRIBUTES, share RWD, OPEN), retried with
    /// mapped GENERIC_READ; both statuses come back (a handle, if one was made, is closed at once).
    /// </summary>
    public (int First, int Retry) ExplorerProbesAutorun()
    {
        var first = Create(@"\autorun.inf", FileReadAttributes, ShareAll, FileOpen);
        CloseIfOpened(first);
        var retry = Create(@"\autorun.inf", MappedGenericRead, ShareAll, FileOpen);
        CloseIfOpened(retry);
        return (first.Status, retry.Status);
    }

    /// <summary>
    /// Explorer's look at one entry after listing (§1.4): ZwCreateFile(entry, FILE_READ_ATTRIBUTES, share RWD, OPEN,
    /// OPEN_REPARSE_POINT) → GetFileInformation twice → GetFileSecurity(OWNER | GROUP | DACL), first with a buffer
    /// too small (STATUS_BUFFER_OVERFLOW and the length needed) and again with that length → Cleanup, CloseFile.
    /// </summary>
    public BY_HANDLE_FILE_INFORMATION ExplorerLooksAt(string path, out byte[] securityDescriptor)
    {
        var handle = Open(path, FileReadAttributes, ShareAll, FileOpen, FileOpenReparsePoint);
        Assert.AreEqual(NtStatus.Success, GetFileInformation(handle, out var information), $"§1.4 GetFileInformation {path}");
        Assert.AreEqual(NtStatus.Success, GetFileInformation(handle, out _), $"§1.4 GetFileInformation {path} again");
        Assert.AreEqual(NtStatus.Success, GetFileSecurity(handle, ExplorerSecurityInformation, out securityDescriptor, initialSize: 20), $"§1.4 GetFileSecurity {path}");
        Close(handle);
        return information;
    }

    /// <summary>
    /// FileDispositionInformation as Dokan's library handles it (§0 "Delete by disposition"): GetFileInformation first,
    /// and a READONLY file is answered STATUS_CANNOT_DELETE without the file system being asked; otherwise
    /// DeletePending is set and DeleteFile / DeleteDirectory decides.
    /// </summary>
    public int SetDisposition(SimHandle handle)
    {
        Assert.AreEqual(NtStatus.Success, GetFileInformation(handle, out var information), $"§0 disposition: GetFileInformation {handle.Path}");
        if (!handle.IsDirectory && (information.dwFileAttributes & FileAttributeReadOnly) != 0)
        {
            return NtStatus.CannotDelete;
        }

        return SetDeletePending(handle);
    }

    /// <summary>
    /// Explorer deleting one file or (empty) folder permanently (§2 "Delete"): ZwCreateFile(path, DELETE |
    /// FILE_READ_ATTRIBUTES, share RWD, OPEN; folders with DIRECTORY_FILE) → disposition → Cleanup (removes it when
    /// the disposition held) → CloseFile. Returns the disposition's status.
    /// </summary>
    public int ExplorerDeletes(string path, bool folder)
    {
        var handle = Open(path, ExplorerDeleteAccess, ShareAll, FileOpen, folder ? FileDirectoryFile : 0);
        Assert.AreEqual(folder, handle.IsDirectory, $"§2 delete open of {path}");
        var status = SetDisposition(handle);
        Assert.AreEqual(status == NtStatus.Success, handle.DeletePending, "DeletePending is what the disposition left");
        Close(handle);
        return status;
    }

    /// <summary>
    /// A rename on an open handle with Dokan's handling of the target (§0 "Rename target"): the full target path is
    /// opened with the access the I/O manager asks for a rename target (FILE_WRITE_DATA for a file, FILE_ADD_SUBDIRECTORY
    /// for a folder, | SYNCHRONIZE; share RW) and, if that succeeded, closed at once; then the target's parent is
    /// opened with DIRECTORY_FILE; MoveFile runs on <paramref name="handle"/>; the parent is closed. A target probe
    /// that fails other than with STATUS_OBJECT_NAME_NOT_FOUND fails the rename with its status.
    /// </summary>
    public int Rename(SimHandle handle, string newPath, bool replaceIfExisting)
    {
        var targetAccess = Synchronize | (handle.IsDirectory ? FileAddSubdirectory : FileWriteData);
        var probe = Create(newPath, targetAccess, FileShareRead | FileShareWrite, FileOpen);
        if (probe.Handle is { } existing)
        {
            Close(existing);
        }
        else if (probe.Status != NtStatus.ObjectNameNotFound)
        {
            return probe.Status;
        }

        var parent = Open(ParentOf(newPath), targetAccess, FileShareRead | FileShareWrite, FileOpen, FileDirectoryFile);
        var status = MoveFile(handle, newPath, replaceIfExisting);
        Close(parent);
        return status;
    }

    /// <summary>
    /// Explorer renaming an entry (§2 "Rename"): ZwCreateFile(src, DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES, share
    /// RWD, OPEN) — IsDirectory false on entry even for a folder → GetFileInformation → the rename (target probe,
    /// parent, MoveFile without replace) → Cleanup, CloseFile of the source, which now has the new name.
    /// </summary>
    public int ExplorerRenames(string path, string newPath)
    {
        var handle = Open(path, ExplorerRenameAccess, ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.Success, GetFileInformation(handle, out _), $"§2 rename: GetFileInformation {path}");
        var status = Rename(handle, newPath, replaceIfExisting: false);
        Close(handle);
        return status;
    }

    /// <summary>
    /// CopyFileEx writing a file onto the drive (§2 "Copy in"): unless <paramref name="probe"/> is false, the
    /// destination probes (FILE_READ_ATTRIBUTES share RWD, GENERIC_READ share R, FILE_READ_ATTRIBUTES share RWD, all
    /// OPEN); ZwCreateFile(dst, 0x17019F, share 0, <paramref name="disposition"/>, SEQUENTIAL_ONLY, ARCHIVE);
    /// GetVolumeInformation, GetFileInformation; SetAllocationSize and SetEndOfFile to the length (when not empty);
    /// WriteFile in <paramref name="chunkSize"/> pieces streamed from <paramref name="source"/>; SetFileAttributes(0) and
    /// SetFileTime(source times) on the open handle; Cleanup, CloseFile. Every status asserted: the probes find
    /// nothing unless <paramref name="destinationExists"/>, the create answers SUCCESS for a new file and
    /// OBJECT_NAME_COLLISION ("opened") for an existing one.
    /// </summary>
    public void CopyFileIn(
        Stream source, string destination, SimFileTimes times, uint disposition = FileOverwriteIf, int chunkSize = 1 << 20, bool probe = true, bool destinationExists = false)
    {
        var expectedProbe = destinationExists ? NtStatus.Success : NtStatus.ObjectNameNotFound;
        if (probe)
        {
            foreach (var (access, share) in new[] { (FileReadAttributes, ShareAll), (MappedGenericRead, FileShareRead), (FileReadAttributes, ShareAll) })
            {
                var found = Create(destination, access, share, FileOpen);
                Assert.AreEqual(expectedProbe, found.Status, $"§2 copy-in probe 0x{access:X} of {destination}");
                CloseIfOpened(found);
            }
        }

        var created = Create(destination, CopyDestinationAccess, 0, disposition, FileSequentialOnly, FileAttributeArchive);
        var expectedCreate = destinationExists && disposition is FileOpenIf or FileOverwriteIf or FileSupersede ? NtStatus.ObjectNameCollision : NtStatus.Success;
        Assert.AreEqual(expectedCreate, created.Status, $"§2 copy-in create of {destination}");
        var handle = created.Handle!;
        Assert.AreEqual(NtStatus.Success, GetVolumeInformation(handle, out _, out _, out _, out _, out _), "§2 copy-in GetVolumeInformation");
        Assert.AreEqual(NtStatus.Success, GetFileInformation(handle, out _), "§2 copy-in GetFileInformation");
        var length = source.Length;
        if (length > 0)
        {
            Assert.AreEqual(NtStatus.Success, SetAllocationSize(handle, length), "§2 copy-in SetAllocationSize");
            Assert.AreEqual(NtStatus.Success, SetEndOfFile(handle, length), "§2 copy-in SetEndOfFile");
        }

        WriteAll(handle, source, chunkSize);
        Assert.AreEqual(NtStatus.Success, SetFileAttributes(handle, 0), "§2 copy-in SetFileAttributes(0)");
        Assert.AreEqual(NtStatus.Success, SetFileTime(handle, times.Creation, times.LastAccess, times.LastWrite), "§2 copy-in SetFileTime");
        Close(handle);
    }

    /// <summary>
    /// robocopy copying one file (§3): the destination made (read/write | DELETE, share 0, OVERWRITE_IF,
    /// SEQUENTIAL_ONLY), a placeholder LastWriteTime of 1980-01-01 set before any data (so an interrupted copy is
    /// never taken for a finished one), SetEndOfFile to the length, the data, then the source's attributes and its
    /// real times at the end, Cleanup, CloseFile. Every status asserted.
    /// </summary>
    public void RobocopyCopiesFile(Stream source, string destination, SimFileTimes times, uint attributes, bool destinationExists = false)
    {
        var created = Create(destination, MappedGenericReadWrite | Delete, 0, FileOverwriteIf, FileSequentialOnly | FileNonDirectoryFile, attributes);
        Assert.AreEqual(destinationExists ? NtStatus.ObjectNameCollision : NtStatus.Success, created.Status, $"§3 robocopy create of {destination}");
        var handle = created.Handle!;
        Assert.AreEqual(NtStatus.Success, SetFileTime(handle, null, null, RobocopyPlaceholderTime), "§3 robocopy placeholder time");
        Assert.AreEqual(NtStatus.Success, SetEndOfFile(handle, source.Length), "§3 robocopy SetEndOfFile");
        WriteAll(handle, source, 1 << 20);
        Assert.AreEqual(NtStatus.Success, SetFileAttributes(handle, attributes), "§3 robocopy SetFileAttributes");
        Assert.AreEqual(NtStatus.Success, SetFileTime(handle, times.Creation, times.LastAccess, times.LastWrite), "§3 robocopy real times");
        Close(handle);
    }

    /// <summary>
    /// robocopy making a destination folder (§3, [I]): CreateDirectory's ZwCreateFile(dir, LIST_DIRECTORY | SYNCHRONIZE,
    /// share RW, CREATE, DIRECTORY_FILE | SYNCHRONOUS_IO_NONALERT | OPEN_FOR_BACKUP_INTENT) → Cleanup, CloseFile.
    /// </summary>
    public void RobocopyMakesFolder(string directory)
    {
        var created = Create(directory, EnumerateAccess, FileShareRead | FileShareWrite, FileCreate, FileDirectoryFile | FileSynchronousIoNonAlert | FileOpenForBackupIntent);
        Assert.AreEqual(NtStatus.Success, created.Status, $"§3 robocopy mkdir {directory}");
        Assert.IsTrue(created.Handle!.IsDirectory);
        Close(created.Handle);
    }

    /// <summary>
    /// robocopy giving a copied folder its source's times once everything inside is copied (§3, [I]): ZwCreateFile(dir,
    /// FILE_WRITE_ATTRIBUTES | SYNCHRONIZE, share RWD, OPEN, DIRECTORY_FILE | SYNCHRONOUS_IO_NONALERT |
    /// OPEN_FOR_BACKUP_INTENT) → SetFileAttributes(0), SetFileTime → Cleanup, CloseFile.
    /// </summary>
    public void RobocopySetsFolderTimes(string directory, SimFileTimes times)
    {
        var handle = Open(directory, FileWriteAttributes | Synchronize, ShareAll, FileOpen, FileDirectoryFile | FileSynchronousIoNonAlert | FileOpenForBackupIntent);
        Assert.AreEqual(NtStatus.Success, SetFileAttributes(handle, 0), $"§3 robocopy folder attributes {directory}");
        Assert.AreEqual(NtStatus.Success, SetFileTime(handle, times.Creation, times.LastAccess, times.LastWrite), $"§3 robocopy folder times {directory}");
        Close(handle);
    }

    /// <summary>
    /// The loader starting a program from the drive ([I]; §1.6 for Explorer reading executables): ZwCreateFile(exe,
    /// FILE_READ_DATA | FILE_EXECUTE | SYNCHRONIZE, share R | D, OPEN, SYNCHRONOUS_IO_NONALERT | NON_DIRECTORY_FILE) →
    /// GetFileInformation → the image section is made and the handle closed (Cleanup) → the pages read as the process
    /// touches them, by paging I/O on the cleaned-up open. The open comes back for its CloseFile, when the process ends.
    /// </summary>
    public SimHandle LoaderRunsImage(string path, out byte[] image)
    {
        var handle = Open(path, FileReadData | FileExecute | Synchronize, FileShareRead | FileShareDelete, FileOpen, FileSynchronousIoNonAlert | FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, GetFileInformation(handle, out var information), $"loader GetFileInformation {path}");
        Cleanup(handle);
        var size = ((long)information.nFileSizeHigh << 32) | information.nFileSizeLow;
        image = new byte[size];
        var page = new byte[4096];
        for (var offset = (size - 1) / page.Length * page.Length; offset >= 0; offset -= page.Length)
        {
            // Pages come in the order the process touches them, not front to back: last page first here.
            Assert.AreEqual(NtStatus.Success, Read(handle, offset, page, out var read, pagingIo: true), $"loader paging read @{offset}");
            Assert.AreEqual((uint)Math.Min(page.Length, size - offset), read, "a page, clipped at the end of file");
            page.AsSpan(0, (int)read).CopyTo(image.AsSpan((int)offset));
        }

        return handle;
    }

    /// <summary>
    /// Classic Notepad opening a file (§3, [I]): ZwCreateFile(f, GENERIC_READ, share RW, OPEN, SYNCHRONOUS_IO_NONALERT |
    /// NON_DIRECTORY_FILE) → GetFileInformation for the size → the file read through a mapped view, i.e. paging I/O
    /// reads of whole pages → Cleanup, CloseFile. The bytes come back.
    /// </summary>
    public byte[] NotepadOpens(string path)
    {
        var handle = Open(path, MappedGenericRead, FileShareRead | FileShareWrite, FileOpen, FileSynchronousIoNonAlert | FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, GetFileInformation(handle, out var information), $"§3 Notepad GetFileInformation {path}");
        var size = ((long)information.nFileSizeHigh << 32) | information.nFileSizeLow;
        var content = new byte[size];
        var page = new byte[4096];
        for (long offset = 0; offset < size; offset += page.Length)
        {
            Assert.AreEqual(NtStatus.Success, Read(handle, offset, page, out var read, pagingIo: true), $"§3 Notepad paging read @{offset}");
            Assert.AreEqual((uint)Math.Min(page.Length, size - offset), read, "a page, clipped at the end of file");
            page.AsSpan(0, (int)read).CopyTo(content.AsSpan((int)offset));
        }

        Close(handle);
        return content;
    }

    /// <summary>
    /// Classic Notepad saving (§3, [I]): ZwCreateFile(f, GENERIC_READ | GENERIC_WRITE, share R, OVERWRITE_IF,
    /// SYNCHRONOUS_IO_NONALERT | NON_DIRECTORY_FILE) → WriteFile(0, text) → Cleanup, CloseFile.
    /// </summary>
    public void NotepadSaves(string path, byte[] content, bool exists = true) =>
        OverwriteWith(path, MappedGenericReadWrite, content, exists, "§3 Notepad save");

    /// <summary>cmd's `echo x &gt; f` (§3): ZwCreateFile(f, 0x120196, share R, OVERWRITE_IF, 0x60) → WriteFile(0, line) → Cleanup, CloseFile.</summary>
    public void CmdRedirects(string path, byte[] line, bool exists = true) =>
        OverwriteWith(path, CmdRedirectAccess, line, exists, "§3 echo >");

    /// <summary>
    /// PowerShell's Set-Content (§3, [S/I]): ZwCreateFile(f, GENERIC_WRITE, share W, OVERWRITE) to empty the file — not
    /// found for a new one — closed at once; then an OpenOrCreate write open (mapped GENERIC_WRITE, share R, OPEN_IF),
    /// WriteFile(0, text), Cleanup, CloseFile.
    /// </summary>
    public void PowerShellSetsContent(string path, byte[] content, bool exists = true)
    {
        var truncated = Create(path, MappedGenericWrite, FileShareWrite, FileOverwrite, FileSynchronousIoNonAlert | FileNonDirectoryFile);
        Assert.AreEqual(exists ? NtStatus.Success : NtStatus.ObjectNameNotFound, truncated.Status, $"§3 Set-Content OVERWRITE {path}");
        CloseIfOpened(truncated);
        var opened = Create(path, MappedGenericWrite, FileShareRead, FileOpenIf, FileSynchronousIoNonAlert | FileNonDirectoryFile);
        Assert.AreEqual(exists ? NtStatus.ObjectNameCollision : NtStatus.Success, opened.Status, $"§3 Set-Content OPEN_IF {path}");
        Assert.AreEqual(NtStatus.Success, Write(opened.Handle!, 0, content, out var written), $"§3 Set-Content WriteFile {path}");
        Assert.AreEqual((uint)content.Length, written);
        Close(opened.Handle!);
    }

    /// <summary>
    /// .NET's File.Replace / ReplaceFileW (§3 [T]): the file to be replaced opened with SYNCHRONIZE | READ_CONTROL |
    /// DELETE | FILE_READ_ATTRIBUTES | FILE_READ_EA | FILE_WRITE_DATA (0x13008A), the replacement with read/write | DELETE
    /// | WRITE_DAC | WRITE_OWNER, share 0; the replaced file's attributes and times copied onto the replacement
    /// (SetFileAttributes, SetFileTime); MoveFile(replaced → backup, replace), MoveFile(replacement → replaced,
    /// replace); both closed. Every status asserted.
    /// </summary>
    public void DotNetReplacesFile(string replacement, string replaced, string backup)
    {
        var target = Open(replaced, 0x13008A, 0, FileOpen, FileSynchronousIoNonAlert | FileNonDirectoryFile);
        var source = Open(replacement, MappedGenericReadWrite | Delete | WriteDac | WriteOwner, 0, FileOpen, FileSynchronousIoNonAlert | FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, GetFileInformation(target, out var original), $"File.Replace GetFileInformation {replaced}");
        Assert.AreEqual(NtStatus.Success, SetFileAttributes(source, original.dwFileAttributes), "File.Replace copies the attributes");
        Assert.AreEqual(NtStatus.Success, SetFileTime(source, WindowsInfo.ToTicks(original.ftCreationTime), null, null), "File.Replace keeps the creation time");
        Assert.AreEqual(NtStatus.Success, Rename(target, backup, replaceIfExisting: true), $"File.Replace {replaced} → {backup}");
        Assert.AreEqual(NtStatus.Success, Rename(source, replaced, replaceIfExisting: true), $"File.Replace {replacement} → {replaced}");
        Close(source);
        Close(target);
    }

    private void OverwriteWith(string path, uint access, byte[] content, bool exists, string what)
    {
        var created = Create(path, access, FileShareRead, FileOverwriteIf, FileSynchronousIoNonAlert | FileNonDirectoryFile);
        Assert.AreEqual(exists ? NtStatus.ObjectNameCollision : NtStatus.Success, created.Status, $"{what}: ZwCreateFile {path}");
        var handle = created.Handle!;
        Assert.AreEqual(NtStatus.Success, Write(handle, 0, content, out var written), $"{what}: WriteFile {path}");
        Assert.AreEqual((uint)content.Length, written);
        Close(handle);
    }

    /// <summary>
    /// Word opening a document (§4): the attribute probes (FILE_READ_ATTRIBUTES, then READ_CONTROL |
    /// FILE_READ_ATTRIBUTES, share RWD, OPEN, each with GetFileInformation), then the document itself read with
    /// mapped GENERIC_READ, share R | D — the handle Word keeps while the document is open. Its content comes back.
    /// </summary>
    public SimHandle WordOpens(string path, out byte[] content, uint processId)
    {
        foreach (var access in new[] { FileReadAttributes, ReadControl | FileReadAttributes })
        {
            var probe = Open(path, access, ShareAll, FileOpen, processId: processId);
            Assert.AreEqual(NtStatus.Success, GetFileInformation(probe, out _), $"§4 Word probe 0x{access:X} {path}");
            Close(probe);
        }

        var document = Open(path, MappedGenericRead, FileShareRead | FileShareDelete, FileOpen, FileSynchronousIoNonAlert | FileNonDirectoryFile, processId: processId);
        Assert.AreEqual(NtStatus.Success, GetFileInformation(document, out var information), $"§4 Word GetFileInformation {path}");
        content = new byte[information.nFileSizeLow];
        Assert.AreEqual(NtStatus.Success, Read(document, 0, content, out var read), $"§4 Word reads {path}");
        Assert.AreEqual((uint)content.Length, read);
        return document;
    }

    /// <summary>
    /// Word's safe save (§4): write "~WRDnnnn.tmp" (read/write | DELETE, share 0, CREATE, ARCHIVE) with SetEndOfFile and
    /// SetAllocationSize to ~128 KiB first, the data, then both to the real size, flush, close; rename the original
    /// to "~WRLnnnn.tmp" through a rename open (replace) while <paramref name="document"/> — opened under the old
    /// name — stays open and is queried (its name follows); rename the temporary over the original (replace); open
    /// the new document as Word's handle, close the old one, delete the backup with FILE_DELETE_ON_CLOSE.
    /// </summary>
    public WordSave WordSavesSafely(SimHandle document, string path, byte[] content, string tempPath, string backupPath)
    {
        var processId = document.ProcessId;
        var temp = Create(tempPath, MappedGenericReadWrite | Delete, 0, FileCreate, FileSynchronousIoNonAlert | FileNonDirectoryFile, FileAttributeArchive, processId);
        Assert.AreEqual(NtStatus.Success, temp.Status, $"§4 create {tempPath}");
        const long Reserved = 131_072;
        Assert.AreEqual(NtStatus.Success, SetEndOfFile(temp.Handle!, Reserved), "§4 SetEndOfFile(~128 KiB)");
        Assert.AreEqual(NtStatus.Success, SetAllocationSize(temp.Handle!, Reserved), "§4 SetAllocationSize(~128 KiB)");
        WriteAll(temp.Handle!, new MemoryStream(content, writable: false), 32 << 10);
        Assert.AreEqual(NtStatus.Success, SetEndOfFile(temp.Handle!, content.Length), "§4 SetEndOfFile(real size)");
        Assert.AreEqual(NtStatus.Success, SetAllocationSize(temp.Handle!, content.Length), "§4 SetAllocationSize(real size)");
        Assert.AreEqual(NtStatus.Success, Flush(temp.Handle!), "§4 FlushFileBuffers");
        Close(temp.Handle!);

        var original = Open(path, ExplorerRenameAccess, ShareAll, FileOpen, processId: processId);
        Assert.AreEqual(NtStatus.Success, Rename(original, backupPath, replaceIfExisting: true), $"§4 rename {path} → {backupPath}");
        Close(original);
        Assert.AreEqual(backupPath, document.Path, "Word's document handle now carries the backup's name");
        Assert.AreEqual(NtStatus.Success, GetFileInformation(document, out var oldDocument), "§4 the old handle is queried after the rename");

        var replacement = Open(tempPath, ExplorerRenameAccess, ShareAll, FileOpen, processId: processId);
        Assert.AreEqual(NtStatus.Success, Rename(replacement, path, replaceIfExisting: true), $"§4 rename {tempPath} → {path}");
        Close(replacement);

        var reopened = Open(path, MappedGenericRead, FileShareRead | FileShareDelete, FileOpen, FileSynchronousIoNonAlert | FileNonDirectoryFile, processId: processId);
        Close(document);
        var backup = Open(backupPath, ExplorerRenameAccess, ShareAll, FileOpen, FileNonDirectoryFile | FileDeleteOnClose, processId: processId);
        Close(backup);
        return new WordSave(oldDocument, reopened);
    }

    /// <summary>WriteFile from <paramref name="source"/> at consecutive offsets in <paramref name="chunkSize"/> pieces; one buffer reused.</summary>
    private void WriteAll(SimHandle handle, Stream source, int chunkSize)
    {
        var buffer = new byte[(int)Math.Min(chunkSize, Math.Max(1, source.Length))];
        long offset = 0;
        int n;
        while ((n = source.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
        {
            Assert.AreEqual(NtStatus.Success, Write(handle, offset, buffer.AsMemory(0, n), out var written), $"WriteFile {handle.Path}@{offset}");
            Assert.AreEqual((uint)n, written, $"WriteFile {handle.Path}@{offset} wrote all");
            offset += n;
        }
    }

    private void CloseIfOpened(SimCreateResult result)
    {
        if (result.Handle is { } handle)
        {
            Close(handle);
        }
    }

    /// <summary>"\a\b" → "\a"; "\a" → "\".</summary>
    public static string ParentOf(string path)
    {
        var last = path.TrimEnd('\\').LastIndexOf('\\');
        return last <= 0 ? @"\" : path[..last];
    }
}
