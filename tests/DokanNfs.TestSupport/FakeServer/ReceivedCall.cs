using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.TestSupport.FakeServer;

/// <summary>The AUTH_SYS credential body (RFC 5531 Appendix A, authsys_parms) as the fake server decoded it.</summary>
public sealed record AuthSysParameters(uint Stamp, string MachineName, uint Uid, uint Gid, IReadOnlyList<uint> Gids);

/// <summary>
/// One CALL record as <see cref="FakeRpcServer"/> received it: the decoded call header (RFC 5531 §9 call_body),
/// the procedure's raw arguments, and how the record was framed on the wire (RFC 5531 §11).
/// </summary>
public sealed class ReceivedCall
{
    private readonly TaskCompletionSource<bool> _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ReceivedCall(FakeRpcServer server, FakeRpcConnection connection)
    {
        Server = server;
        Connection = connection;
    }

    /// <summary>The server that received the call, so a handler can wait for other calls or inspect statistics.</summary>
    public FakeRpcServer Server { get; }

    public FakeRpcConnection Connection { get; }

    /// <summary>0 for the first call the server received, in arrival order over all connections.</summary>
    public int Sequence { get; private init; }

    public uint Xid { get; private init; }

    public uint RpcVersion { get; private init; }

    public uint Program { get; private init; }

    public uint Version { get; private init; }

    public uint Procedure { get; private init; }

    public RpcAuthFlavor CredentialFlavor { get; private init; }

    public ReadOnlyMemory<byte> CredentialBody { get; private init; }

    /// <summary>The decoded credential when <see cref="CredentialFlavor"/> is AUTH_SYS, else null.</summary>
    public AuthSysParameters? AuthSys { get; private init; }

    public RpcAuthFlavor VerifierFlavor { get; private init; }

    public ReadOnlyMemory<byte> VerifierBody { get; private init; }

    /// <summary>The procedure's arguments: everything after the verifier.</summary>
    public ReadOnlyMemory<byte> Args { get; private init; }

    /// <summary>The whole record body, reassembled from its fragments.</summary>
    public ReadOnlyMemory<byte> Record { get; private init; }

    /// <summary>The body length of each fragment the record arrived in, in order.</summary>
    public IReadOnlyList<int> FragmentLengths { get; private init; } = [];

    public int FragmentCount => FragmentLengths.Count;

    /// <summary>Stopwatch ticks (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>) when the record was complete.</summary>
    public long ReceivedTimestamp { get; private init; }

    /// <summary>
    /// Completes with true once the whole scripted reply has been written to the socket, or with false when
    /// the connection ended first or the script sent nothing. Never faults.
    /// </summary>
    public Task<bool> Answered => _answered.Task;

    /// <summary>A reader over <see cref="Args"/>, for handlers that decode the arguments.</summary>
    public XdrReader ArgsReader() => new(Args.Span);

    /// <summary>The first four bytes of the arguments as an XDR unsigned int (tests often tag calls this way).</summary>
    public uint ArgsUInt32() => ArgsReader().ReadUInt32();

    public override string ToString() =>
        $"CALL xid={Xid:x8} prog={Program} vers={Version} proc={Procedure} cred={CredentialFlavor} args={Args.Length}B in {FragmentCount} fragment(s)";

    internal bool TrySetAnswered(bool answered) => _answered.TrySetResult(answered);

    /// <summary>Decodes rpc_msg with the production XDR reader; throws <see cref="XdrException"/> if malformed.</summary>
    internal static ReceivedCall Parse(FakeRpcServer server, FakeRpcConnection connection, int sequence, byte[] record, List<int> fragmentLengths)
    {
        var reader = new XdrReader(record);
        var xid = reader.ReadUInt32();
        var type = reader.ReadEnum<RpcMsgType>();
        if (type != RpcMsgType.Call)
        {
            throw new XdrException($"msg_type {(int)type} where a CALL was expected (xid {xid:x8}).");
        }

        var rpcVersion = reader.ReadUInt32();
        var program = reader.ReadUInt32();
        var version = reader.ReadUInt32();
        var procedure = reader.ReadUInt32();
        var credentialFlavor = reader.ReadEnum<RpcAuthFlavor>();
        var credentialBody = reader.ReadOpaque(RpcLimits.MaxAuthBytes).ToArray();
        var verifierFlavor = reader.ReadEnum<RpcAuthFlavor>();
        var verifierBody = reader.ReadOpaque(RpcLimits.MaxAuthBytes).ToArray();
        var args = reader.Rest.ToArray();
        return new ReceivedCall(server, connection)
        {
            Sequence = sequence,
            Xid = xid,
            RpcVersion = rpcVersion,
            Program = program,
            Version = version,
            Procedure = procedure,
            CredentialFlavor = credentialFlavor,
            CredentialBody = credentialBody,
            AuthSys = credentialFlavor == RpcAuthFlavor.AuthSys ? ParseAuthSys(credentialBody) : null,
            VerifierFlavor = verifierFlavor,
            VerifierBody = verifierBody,
            Args = args,
            Record = record,
            FragmentLengths = [.. fragmentLengths],
            ReceivedTimestamp = System.Diagnostics.Stopwatch.GetTimestamp(),
        };
    }

    private static AuthSysParameters ParseAuthSys(ReadOnlySpan<byte> body)
    {
        // RFC 5531 Appendix A: stamp, machinename<255>, uid, gid, gids<16>, and nothing after.
        var reader = new XdrReader(body);
        var stamp = reader.ReadUInt32();
        var machineName = reader.ReadString(RpcLimits.MaxMachineName);
        var uid = reader.ReadUInt32();
        var gid = reader.ReadUInt32();
        var count = reader.ReadArrayCount(RpcLimits.MaxAuthSysGids);
        var gids = new uint[count];
        for (var i = 0; i < count; i++)
        {
            gids[i] = reader.ReadUInt32();
        }

        reader.ExpectEnd();
        return new AuthSysParameters(stamp, machineName, uid, gid, gids);
    }
}
