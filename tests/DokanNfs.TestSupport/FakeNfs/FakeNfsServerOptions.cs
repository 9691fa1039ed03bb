using DokanNfs.Core.Nfs4;

namespace DokanNfs.TestSupport.FakeNfs;

/// <summary>How a <see cref="FakeNfsServer"/> describes itself (the FsInfo attributes of RFC 7530 §5).</summary>
public sealed record FakeNfsServerOptions
{
    /// <summary>The directory under the pseudo root "/" that is the export.</summary>
    public string ExportName { get; init; } = "export";

    /// <summary>fsid of the pseudo root; the export is a file system of its own, as on NFS-Ganesha.</summary>
    public Fsid4 RootFsid { get; init; } = new(1, 1);

    public Fsid4 ExportFsid { get; init; } = new(2, 2);

    /// <summary>fh_expire_type (RFC 7530 §4.2.1). Handles can only be expired by the test when not persistent.</summary>
    public uint FhExpireType { get; init; } = Core.Nfs4.FhExpireType.Persistent;

    public uint LeaseTimeSeconds { get; init; } = 90;

    /// <summary>
    /// An OPEN for reading only (by name) is granted a read delegation, whatever callback path the client gave, as a
    /// careless server might; DELEGRETURN of it is accepted (see <see cref="FakeNfsServer.DelegationsReturned"/>).
    /// </summary>
    public bool GrantReadDelegations { get; init; }

    public ulong MaxRead { get; init; } = 1024 * 1024;

    public ulong MaxWrite { get; init; } = 1024 * 1024;

    public uint MaxName { get; init; } = 255;

    public ulong MaxFileSize { get; init; } = int.MaxValue;

    /// <summary>The first boot's write verifier (RFC 7530 §16.36.4); each <see cref="FakeNfsServer.Reboot"/> makes a new one.</summary>
    public ulong InitialWriteVerifier { get; init; } = 0x5645_5246_0000_0001; // "VERF" + boot 1
}
