using System.Buffers.Binary;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Nfs4;

/// <summary>
/// The NFSv4.1 client id and session operations: arguments byte for byte against the XDR of RFC 5662, results decoded
/// from hand-made replies (at a non-zero offset, inside a whole RPC reply), and hostile lengths refused before
/// anything is allocated — the walker answers every prefix of a valid reply with a typed error and nothing else.
/// </summary>
[TestClass]
public sealed class SessionCodecTests
{
    internal delegate void OpsWriter(ref CompoundEncoder encoder);

    internal delegate T ResultsReader<T>(ref CompoundResults results, ref XdrReader reader);

    private static readonly SessionId4 Session = new(0x0102030405060708, 0x090A0B0C0D0E0F10);

    [TestMethod]
    public void Exchange_id_carries_owner_verifier_flags_and_SP4_NONE()
    {
        var bytes = EncodeOps((ref CompoundEncoder e) => e.ExchangeId(new Verifier4(0x1122334455667788), "owner"u8, ExchangeIdFlags.UseNonPnfs | ExchangeIdFlags.SuppMovedRefer));

        var r = new XdrReader(bytes);
        Assert.AreEqual((uint)NfsOpnum4.ExchangeId, r.ReadUInt32());
        Assert.AreEqual(0x1122334455667788UL, r.ReadUInt64(), "co_verifier");
        CollectionAssert.AreEqual("owner"u8.ToArray(), r.ReadOpaque().ToArray(), "co_ownerid");
        Assert.AreEqual(0x00010001u, r.ReadUInt32(), "eia_flags");
        Assert.AreEqual(0u, r.ReadUInt32(), "SP4_NONE");
        Assert.AreEqual(0u, r.ReadUInt32(), "no eia_client_impl_id");
        r.ExpectEnd();
    }

    [TestMethod]
    public void Exchange_id_with_an_implementation_id_sends_one()
    {
        var bytes = EncodeOps((ref CompoundEncoder e) => e.ExchangeId(default, "o"u8, ExchangeIdFlags.None, new NfsImplId4("dom", "name", new NfsTime4(5, 6))));

        var r = new XdrReader(bytes);
        r.Skip(4 + 8 + 8 + 4 + 4);
        Assert.AreEqual(1u, r.ReadUInt32());
        Assert.AreEqual("dom", r.ReadString());
        Assert.AreEqual("name", r.ReadString());
        Assert.AreEqual(5L, r.ReadInt64());
        Assert.AreEqual(6u, r.ReadUInt32());
        r.ExpectEnd();
    }

    [TestMethod]
    public void Create_session_carries_both_channels_and_the_callback_security()
    {
        var fore = new ChannelAttrs4(0, 1_052_672, 1_052_672, 16384, 128, 64);
        var back = new ChannelAttrs4(0, 8192, 8192, 0, 4, 4);

        var bytes = EncodeOps((ref CompoundEncoder e) => e.CreateSession(0xAABB, 7, CreateSessionFlags.ConnBackChan, fore, back, 0x40000000, CallbackSecParms4.Sys(1000, 100, "host")));

        var r = new XdrReader(bytes);
        Assert.AreEqual((uint)NfsOpnum4.CreateSession, r.ReadUInt32());
        Assert.AreEqual(0xAABBUL, r.ReadUInt64(), "csa_clientid");
        Assert.AreEqual(7u, r.ReadUInt32(), "csa_sequence");
        Assert.AreEqual(2u, r.ReadUInt32(), "csa_flags");
        Assert.AreEqual(fore, ChannelAttrs4.Decode(ref r));
        Assert.AreEqual(back, ChannelAttrs4.Decode(ref r));
        Assert.AreEqual(0x40000000u, r.ReadUInt32(), "csa_cb_program");
        Assert.AreEqual(1u, r.ReadUInt32(), "one callback_sec_parms4");
        Assert.AreEqual(1u, r.ReadUInt32(), "AUTH_SYS");
        Assert.AreEqual(0u, r.ReadUInt32(), "stamp");
        Assert.AreEqual("host", r.ReadString());
        Assert.AreEqual(1000u, r.ReadUInt32());
        Assert.AreEqual(100u, r.ReadUInt32());
        Assert.AreEqual(0u, r.ReadUInt32(), "no gids");
        r.ExpectEnd();
    }

    [TestMethod]
    public void Create_session_with_AUTH_NONE_callbacks_sends_the_flavor_alone()
    {
        var bytes = EncodeOps((ref CompoundEncoder e) => e.CreateSession(1, 1, CreateSessionFlags.None, default, default, 1, CallbackSecParms4.None));

        var tail = bytes.AsSpan(bytes.Length - 12);
        Assert.AreEqual(1u, BinaryPrimitives.ReadUInt32BigEndian(tail), "csa_cb_program");
        Assert.AreEqual(1u, BinaryPrimitives.ReadUInt32BigEndian(tail[4..]), "one entry");
        Assert.AreEqual(0u, BinaryPrimitives.ReadUInt32BigEndian(tail[8..]), "AUTH_NONE, no body");
    }

    [TestMethod]
    public void Channel_attrs_round_trip_with_and_without_rdma_ird()
    {
        foreach (var attrs in new[] { new ChannelAttrs4(1, 2, 3, 4, 5, 6), new ChannelAttrs4(1, 2, 3, 4, 5, 6) { RdmaIrd = 9 } })
        {
            using var w = new XdrWriter();
            attrs.Encode(w);
            var r = new XdrReader(w.WrittenSpan);
            Assert.AreEqual(attrs, ChannelAttrs4.Decode(ref r));
            r.ExpectEnd();
        }
    }

    [TestMethod]
    public void Sequence_reclaim_complete_destroy_and_bind_encode_their_fields()
    {
        var bytes = EncodeOps((ref CompoundEncoder e) =>
        {
            e.Sequence(Session, 42, 3, 7, cacheThis: true);
            e.ReclaimComplete(oneFs: false);
            e.DestroySession(Session);
            e.DestroyClientId(0x55);
            e.BindConnToSession(Session, ChannelDirFromClient4.ForeOrBoth);
        });

        var r = new XdrReader(bytes);
        Assert.AreEqual((uint)NfsOpnum4.Sequence, r.ReadUInt32());
        Assert.AreEqual(Session, SessionId4.Decode(ref r));
        Assert.AreEqual(42u, r.ReadUInt32(), "sa_sequenceid");
        Assert.AreEqual(3u, r.ReadUInt32(), "sa_slotid");
        Assert.AreEqual(7u, r.ReadUInt32(), "sa_highest_slotid");
        Assert.IsTrue(r.ReadBool(), "sa_cachethis");
        Assert.AreEqual((uint)NfsOpnum4.ReclaimComplete, r.ReadUInt32());
        Assert.IsFalse(r.ReadBool(), "rca_one_fs");
        Assert.AreEqual((uint)NfsOpnum4.DestroySession, r.ReadUInt32());
        Assert.AreEqual(Session, SessionId4.Decode(ref r));
        Assert.AreEqual((uint)NfsOpnum4.DestroyClientId, r.ReadUInt32());
        Assert.AreEqual(0x55UL, r.ReadUInt64());
        Assert.AreEqual((uint)NfsOpnum4.BindConnToSession, r.ReadUInt32());
        Assert.AreEqual(Session, SessionId4.Decode(ref r));
        Assert.AreEqual(3u, r.ReadUInt32(), "CDFC4_FORE_OR_BOTH");
        Assert.IsFalse(r.ReadBool(), "no RDMA");
        r.ExpectEnd();
    }

    [TestMethod]
    public void Exchange_id_result_is_decoded()
    {
        var record = Reply(NfsStat4.Ok, 1, w =>
        {
            Result(w, NfsOpnum4.ExchangeId, NfsStat4.Ok);
            WriteExchangeIdResOk(w, StateProtectHow4.None);
        });

        var result = Decode(record, static (ref CompoundResults results, ref XdrReader r) => results.ExchangeId(ref r));

        Assert.AreEqual(0xC1C2UL, result.ClientId);
        Assert.AreEqual(9u, result.SequenceId);
        Assert.AreEqual(ExchangeIdFlags.UseNonPnfs | ExchangeIdFlags.ConfirmedR, result.Flags);
        Assert.AreEqual(StateProtectHow4.None, result.StateProtect);
        Assert.AreEqual(77UL, result.ServerOwner.MinorId);
        CollectionAssert.AreEqual("major"u8.ToArray(), result.ServerOwner.MajorId.ToArray());
        CollectionAssert.AreEqual("scope"u8.ToArray(), result.ServerScope.ToArray());
        Assert.AreEqual(new NfsImplId4("nfs-ganesha.org", "ganesha", new NfsTime4(1, 2)), result.ServerImplId);
    }

    [TestMethod]
    [DataRow(StateProtectHow4.MachCred)]
    [DataRow(StateProtectHow4.Ssv)]
    public void Exchange_id_results_with_state_protection_are_read_whole(StateProtectHow4 how)
    {
        var record = Reply(NfsStat4.Ok, 1, w =>
        {
            Result(w, NfsOpnum4.ExchangeId, NfsStat4.Ok);
            WriteExchangeIdResOk(w, how);
        });

        var result = Decode(record, static (ref CompoundResults results, ref XdrReader r) => results.ExchangeId(ref r));

        Assert.AreEqual(how, result.StateProtect);
        Assert.AreEqual(77UL, result.ServerOwner.MinorId, "what follows state_protect4_r is still in step");
    }

    [TestMethod]
    public void Create_session_result_is_decoded()
    {
        var fore = new ChannelAttrs4(0, 1_049_600, 1_049_600, 4096, 16, 32);
        var back = new ChannelAttrs4(0, 4096, 4096, 0, 2, 1) { RdmaIrd = 3 };
        var record = Reply(NfsStat4.Ok, 1, w =>
        {
            Result(w, NfsOpnum4.CreateSession, NfsStat4.Ok);
            Session.Encode(w);
            w.WriteUInt32(7);
            w.WriteUInt32((uint)CreateSessionFlags.ConnBackChan);
            fore.Encode(w);
            back.Encode(w);
        });

        var result = Decode(record, static (ref CompoundResults results, ref XdrReader r) => results.CreateSession(ref r));

        Assert.AreEqual(new CreateSessionResult(Session, 7, CreateSessionFlags.ConnBackChan, fore, back), result);
    }

    [TestMethod]
    public void Sequence_result_is_decoded_and_the_next_result_follows()
    {
        var record = Reply(NfsStat4.Ok, 2, w =>
        {
            WriteSequenceOk(w, Session, 5, 2, 63, 31, SequenceStatusFlags.CbPathDown | SequenceStatusFlags.RecallableStateRevoked);
            Result(w, NfsOpnum4.PutRootFh, NfsStat4.Ok);
        });

        var (sequence, seen) = Decode(record, static (ref CompoundResults results, ref XdrReader r) =>
        {
            var s = results.Sequence(ref r);
            results.PutRootFh(ref r);
            return (s, results.Seen);
        });

        Assert.AreEqual(new SequenceResult(Session, 5, 2, 63, 31, SequenceStatusFlags.CbPathDown | SequenceStatusFlags.RecallableStateRevoked), sequence);
        Assert.AreEqual(2, seen);
    }

    [TestMethod]
    public void A_failed_sequence_throws_at_op_index_zero()
    {
        var record = Reply(NfsStat4.BadSession, 1, w => Result(w, NfsOpnum4.Sequence, NfsStat4.BadSession));

        var ex = Assert.ThrowsExactly<NfsException>(() => Decode(record, static (ref CompoundResults results, ref XdrReader r) => results.Sequence(ref r)));

        Assert.AreEqual(NfsStat4.BadSession, ex.Status);
        Assert.AreEqual(NfsOpnum4.Sequence, ex.Operation);
        Assert.AreEqual(0, ex.OpIndex);
    }

    [TestMethod]
    public void Bind_conn_to_session_result_is_decoded()
    {
        var record = Reply(NfsStat4.Ok, 1, w =>
        {
            Result(w, NfsOpnum4.BindConnToSession, NfsStat4.Ok);
            Session.Encode(w);
            w.WriteEnum(ChannelDirFromServer4.Both);
            w.WriteBool(false);
        });

        var result = Decode(record, static (ref CompoundResults results, ref XdrReader r) => results.BindConnToSession(ref r));

        Assert.AreEqual(new BindConnToSessionResult(Session, ChannelDirFromServer4.Both, false), result);
    }

    [TestMethod]
    public void The_walker_summarises_every_session_operation()
    {
        var record = Reply(NfsStat4.Ok, 4, w =>
        {
            WriteSequenceOk(w, Session, 1, 0, 0, 0, SequenceStatusFlags.None);
            Result(w, NfsOpnum4.ReclaimComplete, NfsStat4.Ok);
            Result(w, NfsOpnum4.DestroySession, NfsStat4.Ok);
            Result(w, NfsOpnum4.DestroyClientId, NfsStat4.Ok);
        });
        var exchange = Reply(NfsStat4.Ok, 1, w =>
        {
            Result(w, NfsOpnum4.ExchangeId, NfsStat4.Ok);
            WriteExchangeIdResOk(w, StateProtectHow4.None);
        });
        var complete = Reply(NfsStat4.CompleteAlready, 2, w =>
        {
            WriteSequenceOk(w, Session, 1, 0, 0, 0, SequenceStatusFlags.None);
            Result(w, NfsOpnum4.ReclaimComplete, NfsStat4.CompleteAlready);
        });

        Assert.AreEqual("Ok: Sequence Ok, ReclaimComplete Ok, DestroySession Ok, DestroyClientId Ok", ReplyDecoding.DecodeRecord(record).ToString());
        Assert.AreEqual("Ok: ExchangeId Ok", ReplyDecoding.DecodeRecord(exchange).ToString());
        Assert.AreEqual("CompleteAlready: Sequence Ok, ReclaimComplete CompleteAlready", ReplyDecoding.DecodeRecord(complete).ToString());
    }

    [TestMethod]
    [DataRow("scope")]
    [DataRow("major")]
    [DataRow("impl count")]
    [DataRow("impl domain")]
    [DataRow("state protect")]
    [DataRow("ssv handles")]
    public void Hostile_lengths_in_exchange_id_are_refused(string field)
    {
        var record = Reply(NfsStat4.Ok, 1, w =>
        {
            Result(w, NfsOpnum4.ExchangeId, NfsStat4.Ok);
            w.WriteUInt64(1);
            w.WriteUInt32(1);
            w.WriteUInt32(0);
            switch (field)
            {
                case "state protect":
                    w.WriteUInt32(7);
                    return;
                case "ssv handles":
                    w.WriteEnum(StateProtectHow4.Ssv);
                    default(Bitmap4).Encode(w);
                    default(Bitmap4).Encode(w);
                    w.WriteUInt32(0);
                    w.WriteUInt32(0);
                    w.WriteUInt32(0);
                    w.WriteUInt32(0);
                    w.WriteUInt32(0x7FFF_FFFF);
                    return;
                default:
                    w.WriteEnum(StateProtectHow4.None);
                    break;
            }

            w.WriteUInt64(0);
            if (field == "major")
            {
                w.WriteUInt32(NfsLimits.MaxOpaque + 1);
                w.WriteFixedOpaque(new byte[NfsLimits.MaxOpaque + 4]);
                return;
            }

            w.WriteOpaque("m"u8);
            if (field == "scope")
            {
                w.WriteUInt32(0xFFFF_FFF0);
                return;
            }

            w.WriteOpaque("s"u8);
            if (field == "impl count")
            {
                w.WriteUInt32(2);
                return;
            }

            w.WriteUInt32(1);
            w.WriteUInt32(0x1000_0000);
        });

        var ex = Assert.ThrowsExactly<RpcMalformedReplyException>(() => ReplyDecoding.DecodeRecord(record));
        Assert.IsInstanceOfType<XdrException>(ex.InnerException);
    }

    [TestMethod]
    public void Rdma_ird_with_more_than_one_entry_is_refused()
    {
        using var w = new XdrWriter();
        new ChannelAttrs4(0, 1, 1, 1, 1, 1).Encode(w);
        var bytes = w.WrittenSpan.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(24), 2);

        Assert.ThrowsExactly<XdrException>(() =>
        {
            var r = new XdrReader(bytes);
            ChannelAttrs4.Decode(ref r);
        });
    }

    [TestMethod]
    public void Every_truncation_of_session_replies_is_a_typed_error()
    {
        var replies = new[]
        {
            Reply(NfsStat4.Ok, 1, w =>
            {
                Result(w, NfsOpnum4.ExchangeId, NfsStat4.Ok);
                WriteExchangeIdResOk(w, StateProtectHow4.Ssv);
            }),
            Reply(NfsStat4.Ok, 1, w =>
            {
                Result(w, NfsOpnum4.CreateSession, NfsStat4.Ok);
                Session.Encode(w);
                w.WriteUInt32(1);
                w.WriteUInt32(0);
                new ChannelAttrs4(0, 1, 2, 3, 4, 5) { RdmaIrd = 1 }.Encode(w);
                new ChannelAttrs4(0, 1, 2, 3, 4, 5).Encode(w);
            }),
            Reply(NfsStat4.Ok, 2, w =>
            {
                WriteSequenceOk(w, Session, 1, 0, 0, 0, SequenceStatusFlags.None);
                Result(w, NfsOpnum4.BindConnToSession, NfsStat4.Ok);
                Session.Encode(w);
                w.WriteEnum(ChannelDirFromServer4.Fore);
                w.WriteBool(false);
            }),
        };

        foreach (var reply in replies)
        {
            ReplyDecoding.DecodeRecord(reply);
            for (var length = 0; length < reply.Length; length++)
            {
                try
                {
                    ReplyDecoding.DecodeRecord(reply.AsSpan(0, length));
                    Assert.Fail($"a reply cut to {length} of {reply.Length} bytes decoded");
                }
                catch (RpcMalformedReplyException)
                {
                }
                catch (NfsException)
                {
                    // A cut inside the result list reads as an operation that never ran.
                }
            }
        }
    }

    internal static byte[] EncodeOps(OpsWriter ops)
    {
        using var w = new XdrWriter();
        new CompoundArgs<OpsWriter>(string.Empty, 1, ops, static (ref CompoundEncoder e, OpsWriter o) => o(ref e)).Encode(w);
        return w.WrittenSpan[12..].ToArray(); // after the empty tag, the minor version and the op count
    }

    internal static T Decode<T>(byte[] record, ResultsReader<T> decode) =>
        RpcMessage.DecodeReply(record, (ref XdrReader r) =>
        {
            var results = CompoundResults.Begin(ref r);
            var value = decode(ref results, ref r);
            r.ExpectEnd();
            return value;
        });

    private static void WriteExchangeIdResOk(XdrWriter w, StateProtectHow4 how)
    {
        w.WriteUInt64(0xC1C2);
        w.WriteUInt32(9);
        w.WriteUInt32((uint)(ExchangeIdFlags.UseNonPnfs | ExchangeIdFlags.ConfirmedR));
        w.WriteEnum(how);
        if (how != StateProtectHow4.None)
        {
            new Bitmap4(1, 0, 0).Encode(w);
            new Bitmap4(0, 2, 0).Encode(w);
        }

        if (how == StateProtectHow4.Ssv)
        {
            w.WriteUInt32(1);
            w.WriteUInt32(2);
            w.WriteUInt32(32);
            w.WriteUInt32(16);
            w.WriteUInt32(2);
            w.WriteOpaque("h1"u8);
            w.WriteOpaque("h2"u8);
        }

        w.WriteUInt64(77);
        w.WriteOpaque("major"u8);
        w.WriteOpaque("scope"u8);
        w.WriteUInt32(1);
        new NfsImplId4("nfs-ganesha.org", "ganesha", new NfsTime4(1, 2)).Encode(w);
    }

    private static void WriteSequenceOk(XdrWriter w, SessionId4 session, uint seq, uint slot, uint highest, uint target, SequenceStatusFlags flags)
    {
        Result(w, NfsOpnum4.Sequence, NfsStat4.Ok);
        session.Encode(w);
        w.WriteUInt32(seq);
        w.WriteUInt32(slot);
        w.WriteUInt32(highest);
        w.WriteUInt32(target);
        w.WriteUInt32((uint)flags);
    }

    private static void Result(XdrWriter w, NfsOpnum4 op, NfsStat4 status)
    {
        w.WriteEnum(op);
        w.WriteEnum(status);
    }

    /// <summary>An accepted RPC reply (RFC 5531 §9) holding a COMPOUND4res with an empty tag.</summary>
    internal static byte[] Reply(NfsStat4 status, int count, Action<XdrWriter> results)
    {
        using var w = new XdrWriter();
        w.WriteUInt32(0x1234);
        w.WriteEnum(RpcMsgType.Reply);
        w.WriteEnum(RpcReplyStat.MsgAccepted);
        w.WriteUInt32(0);
        w.WriteOpaque([]);
        w.WriteEnum(RpcAcceptStat.Success);
        w.WriteEnum(status);
        w.WriteString(string.Empty);
        w.WriteUInt32((uint)count);
        results(w);
        return w.WrittenSpan.ToArray();
    }
}

