using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Io;

/// <summary>Helpers the data, size, time and lock scenarios share: files made on the export, opens as programs make them.</summary>
public abstract class IoTestBase(TestContext testContext) : SimulatorTestBase(testContext)
{
    /// <summary>GENERIC_READ | GENERIC_WRITE as the I/O manager maps them for a file (0x12019F).</summary>
    protected const uint ReadWrite = 0x12019F;

    /// <summary>GENERIC_READ as mapped (0x120089).</summary>
    protected const uint ReadOnly = 0x120089;

    protected const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;

    /// <summary>Writes <paramref name="content"/> to <paramref name="windowsPath"/> on the export, behind the adapter's back.</summary>
    protected void MakeFile(string windowsPath, string content) => File.WriteAllBytes(OnDisk(windowsPath), Encoding.ASCII.GetBytes(content));

    protected string ReadOnDisk(string windowsPath) => Encoding.ASCII.GetString(File.ReadAllBytes(OnDisk(windowsPath)));

    protected static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    protected SimHandle OpenFile(string windowsPath, uint access = ReadWrite, uint share = ShareAll, uint? processId = null) =>
        Sim.Open(windowsPath, access, share, FileOpen, FileNonDirectoryFile, processId: processId);

    /// <summary>The adapter's state for a simulated open.</summary>
    protected FileContext ContextOf(SimHandle handle) =>
        Operations.Handles.Find(handle.Info.Context) ?? throw new AssertFailedException($"no context for {handle}");

    /// <summary>Reads <paramref name="count"/> bytes at <paramref name="offset"/>, asserting <paramref name="expectedStatus"/>; the bytes read as text.</summary>
    protected string Read(SimHandle handle, long offset, int count, int expectedStatus = NtStatus.Success, bool pagingIo = false)
    {
        var buffer = new byte[count];
        var status = Sim.Read(handle, offset, buffer, out var read, pagingIo);
        Assert.AreEqual(expectedStatus, status, $"ReadFile @{offset} x{count} status 0x{status:X8}");
        return Encoding.ASCII.GetString(buffer, 0, (int)read);
    }

    /// <summary>Writes <paramref name="text"/>, asserting success; the count the adapter reported.</summary>
    protected uint Write(SimHandle handle, long offset, string text, bool pagingIo = false, bool writeToEndOfFile = false)
    {
        var status = Sim.Write(handle, offset, Ascii(text), out var written, pagingIo, writeToEndOfFile);
        Assert.AreEqual(NtStatus.Success, status, $"WriteFile @{offset} status 0x{status:X8}");
        return written;
    }

    /// <summary>A second NFS client of the same server with an identity of its own (another machine, as the server sees it).</summary>
    protected NfsClient OtherClient() => Track(new NfsClient(Server.EndPoint, ClientOptions()));

    /// <summary>The export path of <paramref name="windowsPath"/> as a server path for <see cref="OtherClient"/>.</summary>
    protected static string ServerPath(string windowsPath) => Export + windowsPath.Replace('\\', '/');
}
