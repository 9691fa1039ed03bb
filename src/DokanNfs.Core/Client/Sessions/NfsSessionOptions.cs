using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client.Sessions;

/// <summary>Settings of one <see cref="NfsSession"/>: who the client is, what it asks for, how it waits.</summary>
public sealed record NfsSessionOptions
{
    /// <summary>
    /// What a COMPOUND carries besides its READ or WRITE data: the RPC header with an AUTH_SYS credential (at most
    /// 400 + 400 bytes), the tag, SEQUENCE, PUTFH with a 128-byte filehandle, WRITE's or READ's own fields and a
    /// GETATTR. The channel sizes asked for are the I/O size plus this.
    /// </summary>
    public const uint IoHeaderAllowance = 4096;

    /// <summary>The callback program number the Linux client uses (RFC 8881 leaves the choice to the client).</summary>
    public const uint DefaultCallbackProgram = 0x40000000;

    /// <summary>co_ownerid: the client's name for this server across its restarts (<see cref="ClientIdentity.IdFor"/>).</summary>
    public required ReadOnlyMemory<byte> OwnerId { get; init; }

    /// <summary>co_verifier: new for every start of the client process (<see cref="ClientIdentity.BootVerifier"/>).</summary>
    public required ulong Verifier { get; init; }

    /// <summary>1 for NFSv4.1, 2 for NFSv4.2; sessions do not exist in 4.0.</summary>
    public uint MinorVersion { get; init; } = 1;

    /// <summary>The client's own credential: EXCHANGE_ID, CREATE_SESSION, lease renewal, teardown.</summary>
    public RpcCredential Credential { get; init; } = RpcCredential.Sys(0, 0);

    /// <summary>The server's name in log lines; the endpoint when null.</summary>
    public string? ServerName { get; init; }

    /// <summary>eia_flags: referrals and migration followed, no pNFS (RFC 8881 §18.35.3).</summary>
    public ExchangeIdFlags ExchangeIdFlags { get; init; } =
        ExchangeIdFlags.SuppMovedRefer | ExchangeIdFlags.SuppMovedMigr | ExchangeIdFlags.UseNonPnfs;

    /// <summary>eia_client_impl_id, or none.</summary>
    public NfsImplId4? ImplementationId { get; init; }

    /// <summary>
    /// The fore channel asked for: requests and replies of 1 MiB of data plus headers, 16 KiB of each reply cached
    /// for a retry, up to 128 operations per COMPOUND and 64 requests in flight. The server may grant less.
    /// </summary>
    public ChannelAttrs4 ForeChannel { get; init; } = new(
        HeaderPadSize: 0,
        MaxRequestSize: (1024 * 1024) + IoHeaderAllowance,
        MaxResponseSize: (1024 * 1024) + IoHeaderAllowance,
        MaxResponseSizeCached: 16 * 1024,
        MaxOperations: 128,
        MaxRequests: 64);

    /// <summary>The back channel asked for: CB_SEQUENCE and one or two operations, a few at a time.</summary>
    public ChannelAttrs4 BackChannel { get; init; } = new(
        HeaderPadSize: 0,
        MaxRequestSize: 8192,
        MaxResponseSize: 8192,
        MaxResponseSizeCached: 0,
        MaxOperations: 4,
        MaxRequests: 4);

    /// <summary>
    /// csa_flags. <see cref="CreateSessionFlags.ConnBackChan"/> makes the connection carry the back channel too; the
    /// session then binds every new connection with BIND_CONN_TO_SESSION before using it.
    /// </summary>
    public CreateSessionFlags CreateSessionFlags { get; init; }

    /// <summary>csa_cb_program.</summary>
    public uint CallbackProgram { get; init; } = DefaultCallbackProgram;

    /// <summary>csa_sec_parms: the security of the server's callbacks.</summary>
    public CallbackSecParms4 CallbackSecurity { get; init; } = CallbackSecParms4.None;

    /// <summary>The most slots the table grows to if the server offers more than it first granted.</summary>
    public int SlotCapacity { get; init; } = SlotTable.DefaultCapacity;

    /// <summary>
    /// Runs after a new client id replaced one the server no longer knows (it restarted, or dropped us), before
    /// RECLAIM_COMPLETE: the place to reclaim opens and locks with CLAIM_PREVIOUS through the session. Null: nothing
    /// to reclaim, RECLAIM_COMPLETE at once.
    /// </summary>
    public Func<NfsSession, CancellationToken, ValueTask>? Reclaim { get; init; }

    /// <summary>A fixed interval between idle renewals; null derives it from the server's lease time.</summary>
    public TimeSpan? RenewInterval { get; init; }

    /// <summary>The least time between two renewals, whatever the lease.</summary>
    public TimeSpan LeaseRenewFloor { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>First wait after NFS4ERR_DELAY or a lost connection; doubles up to <see cref="RetryDelayMax"/>.</summary>
    public TimeSpan RetryDelayMin { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryDelayMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long one request keeps being sent again — same slot, same sequence id — while the server cannot be reached
    /// or answers NFS4ERR_DELAY, before the error goes to the caller. Infinite waits forever (a hard mount).
    /// </summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long <see cref="NfsSession.DisposeAsync"/> gives DESTROY_SESSION and DESTROY_CLIENTID.</summary>
    public TimeSpan TeardownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        if (MinorVersion is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(MinorVersion), MinorVersion, "Sessions exist in NFSv4.1 and 4.2 only.");
        }

        if (OwnerId.Length is 0 or > NfsLimits.MaxOpaque)
        {
            throw new ArgumentOutOfRangeException(nameof(OwnerId), OwnerId.Length, $"co_ownerid must hold 1 to {NfsLimits.MaxOpaque} bytes.");
        }

        if (ForeChannel.MaxRequests == 0 || ForeChannel.MaxOperations < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(ForeChannel), ForeChannel, "The fore channel needs a slot and room for SEQUENCE and one operation.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(SlotCapacity, 1);
        ArgumentNullException.ThrowIfNull(Credential);
        ArgumentNullException.ThrowIfNull(CallbackSecurity);
    }
}
