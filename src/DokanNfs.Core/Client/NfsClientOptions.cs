using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

/// <summary>Settings of one <see cref="NfsClient"/> (one server).</summary>
public sealed record NfsClientOptions
{
    /// <summary>
    /// Which NFSv4 minor version to speak: 4.0 (the default here), 4.1 (sessions) or <see cref="NfsVersion.Auto"/> (4.1,
    /// else 4.0 when the server answers NFS4ERR_MINOR_VERS_MISMATCH). <see cref="NfsClient.MinorVersion"/> is the one in use.
    /// The CLI, its configuration and the PowerShell module default to <see cref="NfsVersion.Auto"/>, as Linux's mount
    /// does; this library default stays 4.0 so that every caller and test that builds options names the version it means.
    /// </summary>
    public NfsVersion Version { get; init; } = NfsVersion.V40;

    /// <summary>
    /// Under NFSv4.1: ask for a back channel on the session's connection so the server may grant delegations
    /// (RFC 8881 §10.4) and recall them. On by default; NFSv4.0 never gets delegations (no callback address is given).
    /// </summary>
    public bool Delegations { get; init; } = true;

    /// <summary>AUTH_SYS by default, as root on the client: the server maps or squashes it.</summary>
    public RpcCredential Credential { get; init; } = RpcCredential.Sys(0, 0);

    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait after NFS4ERR_DELAY / GRACE / RESOURCE; doubles up to <see cref="RetryDelayMax"/>.</summary>
    public TimeSpan RetryDelayMin { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryDelayMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one call keeps retrying DELAY / GRACE / RESOURCE before giving the error up.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Hard (default): calls wait through server outages. Soft: they fail after <see cref="SoftTimeout"/>.</summary>
    public NfsMountType Mount { get; init; } = NfsMountType.Hard;

    /// <summary>How long a soft mount waits for an unreachable server before a call fails.</summary>
    public TimeSpan SoftTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The least time between two RENEWs, whatever the lease: with a very short lease the renewals would
    /// otherwise crowd out real work.
    /// </summary>
    public TimeSpan LeaseRenewFloor { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bounds on READ / WRITE sizes; the server's maxread / maxwrite may lower them.</summary>
    public uint MaxReadSize { get; init; } = 1024 * 1024;

    public uint MaxWriteSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// How many bytes from the start of a file the OPEN's own COMPOUND reads when a file is opened for reading only (no
    /// create, no truncate), handed to the first reads of the handle: a small file is opened, read and closed in two
    /// round trips. 0 turns it off. 64 KiB by default; never more than <see cref="MaxReadSize"/>.
    /// </summary>
    public uint OpenReadSize { get; init; } = 64 * 1024;

    /// <summary>How many READs or WRITEs of one transfer are in flight at once.</summary>
    public int IoParallelism { get; init; } = 4;

    /// <summary>
    /// The most READs of maxread a handle read sequentially keeps in flight ahead of its reader (NfsOpenFile.ReadAhead.cs):
    /// the window starts at 2 and grows by one READ only while one more brings the reader more bytes per second (latency
    /// the window does not cover; ReadAheadPacer), so its memory is at most this many × maxread per handle. 0 turns
    /// read-ahead off.
    /// </summary>
    public int ReadAheadMaxChunks { get; init; } = 4;

    /// <summary>
    /// How many TCP connections a handle's READs ahead are spread over, in turn (Linux's nconnect, for READs ahead only;
    /// NfsClient.ReadConnections.cs); 1 keeps every call on the client's own connection, at most
    /// <see cref="MaxReadConnections"/>. Null (the default): <see cref="DefaultReadConnectionsV40"/> under NFSv4.0, where
    /// Ganesha sends one connection's replies one after another and a second connection reads ~10 % faster;
    /// <see cref="DefaultReadConnectionsV41"/> under NFSv4.1, where one connection read as fast as two and took 6 % less
    /// CPU (docs/PERFORMANCE.md). Under NFSv4.1 an extra connection is bound to the session's fore channel by its first
    /// SEQUENCE (SP4_NONE).
    /// </summary>
    public int? ReadConnections { get; init; }

    /// <summary>The read connections of an NFSv4.0 client when <see cref="ReadConnections"/> is not set.</summary>
    public const int DefaultReadConnectionsV40 = 2;

    /// <summary>The read connections of an NFSv4.1 client (a session) when <see cref="ReadConnections"/> is not set.</summary>
    public const int DefaultReadConnectionsV41 = 1;

    /// <summary>The most <see cref="ReadConnections"/> honoured.</summary>
    public const int MaxReadConnections = 4;

    /// <summary>
    /// How many bytes of UNSTABLE writes one handle may have in flight after its writer got control back
    /// (NfsOpenFile.WriteBehind.cs): the window, in WRITEs of maxwrite (at least 2). 0 (the library's default) makes
    /// every write wait for its WRITEs, as FILE_SYNC writes always do; drives and the dokannfs commands use
    /// <see cref="DefaultWriteBehindBytes"/>.
    /// </summary>
    public long WriteBehindBytes { get; init; }

    /// <summary>
    /// Replies run their caller's continuation on the connection's receive loop (<see cref="Rpc.RpcClientOptions.InlineReplyContinuations"/>):
    /// for callers that are asynchronous throughout and never block in a continuation, as the dokannfs commands.
    /// </summary>
    public bool InlineReplyContinuations { get; init; }

    /// <summary>The write-behind window of drives and commands: 8 MiB, eight WRITEs of 1 MiB.</summary>
    public const long DefaultWriteBehindBytes = 8L * 1024 * 1024;

    /// <summary>
    /// READDIR maxcount: the most reply bytes asked for per READDIR. 3 MiB by default — 10,000 entries with the stat
    /// attributes (~190 bytes each) in one reply (issue 9), below the RPC layer's 4 MiB record limit with room for the
    /// headers — lowered to the session's reply size under NFSv4.1. Each READDIR waits for the previous one's cookie, so
    /// the fewer of them a big directory takes, the faster it lists; a server that will not send that much sends less
    /// (RFC 7530 §16.24.4, RFC 8881 §18.23.4: "the server may return less data").
    /// </summary>
    public uint ReadDirMaxCount { get; init; } = 3 * 1024 * 1024;

    /// <summary>How long a directory's filehandle is reused for path walks without asking the server.</summary>
    public TimeSpan DirectoryHandleCacheTime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// acregmin (nfs(5)): the least time the attributes of a file (anything but a directory) are trusted without asking
    /// the server. A file is first trusted for a tenth of the time since it was last modified (as the BSD clients do),
    /// and an object whose change attribute did not move when fetched again twice as long as before, both up to
    /// <see cref="AcRegMax"/>. Every OPEN fetches the attributes anew and a close forgets them, or keeps those a
    /// write open's CLOSE fetched after closing (close-to-open consistency). All four zero (noac) turns the attribute,
    /// directory-entry and negative-lookup caches off.
    /// </summary>
    public TimeSpan AcRegMin { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>acregmax: the most time a file's attributes are trusted without asking the server.</summary>
    public TimeSpan AcRegMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// acdirmin: the least time a directory's attributes — and with them the names looked up in it, positive and
    /// negative — are trusted without asking the server.
    /// </summary>
    public TimeSpan AcDirMin { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>acdirmax: the most time a directory's attributes are trusted without asking the server.</summary>
    public TimeSpan AcDirMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many objects the attribute cache holds (and names per user the directory-entry cache) before it drops the oldest.</summary>
    public int AttributeCacheCapacity { get; init; } = 65536;

    /// <summary>
    /// The most file data kept per file while a read delegation is held on it (served to later reads and re-opens with
    /// no READ); zero keeps none. Rounded down to whole 64 KiB pages.
    /// </summary>
    public long DelegatedDataBytesPerFile { get; init; } = 16L * 1024 * 1024;

    /// <summary>The most file data kept under read delegations in all (<see cref="DelegatedDataBytesPerFile"/>).</summary>
    public long DelegatedDataBytes { get; init; } = 128L * 1024 * 1024;

    /// <summary>The four attribute-cache timeouts set to <paramref name="time"/> (nfs(5) actimeo=); zero is noac.</summary>
    public NfsClientOptions WithAttributeCacheTimeout(TimeSpan time) => this with { AcRegMin = time, AcRegMax = time, AcDirMin = time, AcDirMax = time };

    /// <summary>Who this client is; by default the persistent identity in the default state directory.</summary>
    public ClientIdentity? Identity { get; init; }

    /// <summary>How owner and group strings map to ids.</summary>
    public IdMappingOptions IdMapping { get; init; } = new();

    /// <summary>The name of the server in id strings and messages (its host name as the user wrote it).</summary>
    public string? ServerName { get; init; }

    /// <summary>
    /// A local directory for conflict copies: data the server lost in a restart before it was committed, which
    /// could not be written again because the file had changed elsewhere (see <see cref="NfsWriteConflictException"/>).
    /// Null (the default): the copy is made on the server beside the file, and only if that fails locally, in
    /// the identity's state directory (else the temporary directory) under "conflicts".
    /// </summary>
    public string? ConflictDirectory { get; init; }

    /// <summary>
    /// Where the write journal of disconnected operation is kept: while the server cannot be reached, writes to
    /// files already open go there, on local disk, and are replayed under version checks once it answers again, also
    /// by the next client process with the same identity. Null (the default): "journal" in the identity's state
    /// directory — so an identity that is not persisted (<see cref="ClientIdentity.Create"/>) has none unless this is set.
    /// </summary>
    public string? JournalDirectory { get; init; }

    /// <summary>
    /// How much the journal holds (records and their headers; 64 MiB by default). A write that does not fit waits for
    /// the server on a hard mount and fails after <see cref="SoftTimeout"/> on a soft one. 0 turns disconnected
    /// operation off: writes then wait or fail as any call does.
    /// </summary>
    public long JournalMaxBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The name that marks conflict copies made by this client ("… (conflict … from HOST)"); the machine name by default.</summary>
    public string? ConflictHostName { get; init; }
}

/// <summary>The NFSv4 minor version a client speaks (the <c>vers=</c> mount option).</summary>
public enum NfsVersion
{
    /// <summary>NFSv4.0 (RFC 7530): SETCLIENTID, owner seqids, RENEW.</summary>
    V40,

    /// <summary>NFSv4.1 (RFC 8881): EXCHANGE_ID, a session, SEQUENCE on every COMPOUND.</summary>
    V41,

    /// <summary>NFSv4.1 if the server speaks it, else NFSv4.0 (RFC 8881 §2.7: NFS4ERR_MINOR_VERS_MISMATCH).</summary>
    Auto,
}
