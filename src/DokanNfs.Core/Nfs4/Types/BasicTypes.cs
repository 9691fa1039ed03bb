using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>nfs_ftype4 (RFC 7530 §5.8.1.2).</summary>
public enum NfsFtype4
{
    None = 0,
    Reg = 1, // NF4REG
    Dir = 2, // NF4DIR
    Blk = 3, // NF4BLK
    Chr = 4, // NF4CHR
    Lnk = 5, // NF4LNK
    Sock = 6, // NF4SOCK
    Fifo = 7, // NF4FIFO
    AttrDir = 8, // NF4ATTRDIR
    NamedAttr = 9, // NF4NAMEDATTR
}

/// <summary>nfstime4 (RFC 7530 §3.3.1): seconds and nanoseconds since the Unix epoch.</summary>
public readonly record struct NfsTime4(long Seconds, uint Nseconds)
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;

    public static NfsTime4 Decode(ref XdrReader reader)
    {
        var seconds = reader.ReadInt64();
        var nseconds = reader.ReadUInt32();
        if (nseconds >= 1_000_000_000)
        {
            throw new XdrException($"nfstime4 nseconds {nseconds} is not below one billion.");
        }

        return new NfsTime4(seconds, nseconds);
    }

    public static NfsTime4 FromDateTimeOffset(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TicksPerSecond;
        }

        return new NfsTime4(seconds, (uint)(rest * 100));
    }

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteInt64(Seconds);
        writer.WriteUInt32(Nseconds);
    }

    /// <summary>The time as a DateTimeOffset, clamped to its range (servers send what they like).</summary>
    public DateTimeOffset ToDateTimeOffset()
    {
        const long minSeconds = -62_135_596_800L;
        const long maxSeconds = 253_402_300_799L;
        if (Seconds < minSeconds)
        {
            return DateTimeOffset.MinValue;
        }

        if (Seconds > maxSeconds)
        {
            return DateTimeOffset.MaxValue;
        }

        return DateTimeOffset.UnixEpoch.AddTicks((Seconds * TicksPerSecond) + (Nseconds / 100));
    }

    public override string ToString() => ToDateTimeOffset().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>fsid4 (RFC 7530 §5.8.1.9): identifies a file system on a server; a change marks a mount point.</summary>
public readonly record struct Fsid4(ulong Major, ulong Minor)
{
    public static Fsid4 Decode(ref XdrReader reader) => new(reader.ReadUInt64(), reader.ReadUInt64());

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt64(Major);
        writer.WriteUInt64(Minor);
    }

    public override string ToString() => $"{Major}.{Minor}";
}

/// <summary>
/// change_info4 (RFC 7530 §3.3.6): a directory's change attribute before and after an operation; atomic
/// when the server guarantees no other change slipped in between.
/// </summary>
public readonly record struct ChangeInfo4(bool Atomic, ulong Before, ulong After)
{
    public static ChangeInfo4 Decode(ref XdrReader reader) => new(reader.ReadBool(), reader.ReadUInt64(), reader.ReadUInt64());
}

/// <summary>specdata4 (RFC 7530 §3.3.13): major and minor device numbers.</summary>
public readonly record struct SpecData4(uint SpecData1, uint SpecData2)
{
    public static SpecData4 Decode(ref XdrReader reader) => new(reader.ReadUInt32(), reader.ReadUInt32());

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32(SpecData1);
        writer.WriteUInt32(SpecData2);
    }
}

/// <summary>verifier4 (RFC 7530 §3.2): eight opaque bytes, held as a number.</summary>
public readonly record struct Verifier4(ulong Value)
{
    public static Verifier4 Decode(ref XdrReader reader) => new(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(reader.ReadFixedOpaque(8)));

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt64(Value);
    }

    public override string ToString() => Value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Constants of fattr4_fh_expire_type (RFC 7530 §4.2.1).</summary>
public static class FhExpireType
{
    public const uint Persistent = 0x0;
    public const uint NoExpireWithOpen = 0x1;
    public const uint VolatileAny = 0x2;
    public const uint VolMigration = 0x4;
    public const uint VolRename = 0x8;
}

/// <summary>ACCESS4_* bits (RFC 7530 §16.1).</summary>
[Flags]
public enum Access4 : uint
{
    None = 0,
    Read = 0x01,
    Lookup = 0x02,
    Modify = 0x04,
    Extend = 0x08,
    Delete = 0x10,
    Execute = 0x20,
}

/// <summary>stable_how4 (RFC 7530 §16.36).</summary>
public enum StableHow4
{
    Unstable = 0, // UNSTABLE4
    DataSync = 1, // DATA_SYNC4
    FileSync = 2, // FILE_SYNC4
}

/// <summary>nfs_lock_type4 (RFC 7530 §16.10).</summary>
public enum NfsLockType4
{
    None = 0,
    Read = 1, // READ_LT
    Write = 2, // WRITE_LT
    ReadW = 3, // READW_LT: blocking read
    WriteW = 4, // WRITEW_LT: blocking write
}
