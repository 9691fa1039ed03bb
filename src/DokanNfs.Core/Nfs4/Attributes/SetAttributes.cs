using System.Text;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>
/// settime4 (RFC 7530 §2.2.3): how SETATTR sets time_access or time_modify — to the server's clock
/// (<see cref="ServerTime"/>, SET_TO_SERVER_TIME4) or to a time the client gives (<see cref="ClientTime"/>).
/// </summary>
public readonly record struct SetTime
{
    private SetTime(NfsTime4 time)
    {
        IsClientTime = true;
        Time = time;
    }

    /// <summary>SET_TO_SERVER_TIME4: the server stamps its own current time.</summary>
    public static SetTime ServerTime => default;

    /// <summary>True for SET_TO_CLIENT_TIME4; then <see cref="Time"/> is the time to set.</summary>
    public bool IsClientTime { get; }

    /// <summary>The time to set; meaningless (zero) for <see cref="ServerTime"/>.</summary>
    public NfsTime4 Time { get; }

    /// <summary>SET_TO_CLIENT_TIME4 with <paramref name="time"/>.</summary>
    public static SetTime ClientTime(NfsTime4 time) => new(time);

    public static SetTime Decode(ref XdrReader reader)
    {
        var how = reader.ReadUInt32();
        return how switch
        {
            0 => ServerTime,
            1 => ClientTime(NfsTime4.Decode(ref reader)),
            _ => throw new XdrException($"settime4 has time_how4 {how}, not SET_TO_SERVER_TIME4 or SET_TO_CLIENT_TIME4.")
            {
                Position = reader.Position - 4,
            },
        };
    }

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32(IsClientTime ? 1u : 0u);
        if (IsClientTime)
        {
            Time.Encode(writer);
        }
    }

    public override string ToString() => IsClientTime ? Time.ToString() : "server time";
}

/// <summary>
/// The attributes a client sets with SETATTR, or gives to CREATE and OPEN (RFC 7530 §16.32, §16.4, §16.16).
/// A null property is left alone. Only attributes the protocol lets a client write are here (RFC 7530 §5.6,
/// §5.7: access R W or W); written by <see cref="Fattr4.Encode"/>.
/// </summary>
public sealed record SetAttributes
{
    /// <summary>MODE4_* bits the protocol defines (RFC 7530 §6.2.2): set-uid, set-gid, sticky and rwx×3.</summary>
    public const uint ModeMask = 0xFFF;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>size (attribute 4): truncate or extend.</summary>
    public ulong? Size { get; init; }

    /// <summary>archive (attribute 14).</summary>
    public bool? Archive { get; init; }

    /// <summary>hidden (attribute 25).</summary>
    public bool? Hidden { get; init; }

    /// <summary>mode (attribute 33): at most <see cref="ModeMask"/>.</summary>
    public uint? Mode { get; init; }

    /// <summary>owner (attribute 36), at most <see cref="Fattr4.MaxStringLength"/> UTF-8 bytes.</summary>
    public string? Owner { get; init; }

    /// <summary>owner_group (attribute 37), at most <see cref="Fattr4.MaxStringLength"/> UTF-8 bytes.</summary>
    public string? OwnerGroup { get; init; }

    /// <summary>system (attribute 46).</summary>
    public bool? System { get; init; }

    /// <summary>time_access_set (attribute 48).</summary>
    public SetTime? TimeAccess { get; init; }

    /// <summary>time_backup (attribute 49).</summary>
    public NfsTime4? TimeBackup { get; init; }

    /// <summary>time_create (attribute 50).</summary>
    public NfsTime4? TimeCreate { get; init; }

    /// <summary>time_modify_set (attribute 54).</summary>
    public SetTime? TimeModify { get; init; }

    /// <summary>The bitmap4 of the attributes this sets.</summary>
    public Bitmap4 Mask
    {
        get
        {
            ulong bits = 0;
            bits |= Bit(Size.HasValue, FAttr4.Size);
            bits |= Bit(Archive.HasValue, FAttr4.Archive);
            bits |= Bit(Hidden.HasValue, FAttr4.Hidden);
            bits |= Bit(Mode.HasValue, FAttr4.Mode);
            bits |= Bit(Owner is not null, FAttr4.Owner);
            bits |= Bit(OwnerGroup is not null, FAttr4.OwnerGroup);
            bits |= Bit(System.HasValue, FAttr4.System);
            bits |= Bit(TimeAccess.HasValue, FAttr4.TimeAccessSet);
            bits |= Bit(TimeBackup.HasValue, FAttr4.TimeBackup);
            bits |= Bit(TimeCreate.HasValue, FAttr4.TimeCreate);
            bits |= Bit(TimeModify.HasValue, FAttr4.TimeModifySet);
            return new Bitmap4((uint)bits, (uint)(bits >> 32), 0);
        }
    }

    /// <summary>Rejects values the protocol cannot carry before anything is written.</summary>
    internal void Validate()
    {
        if (Mode is { } mode && mode > ModeMask)
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), mode, $"mode has bits outside 0x{ModeMask:X} (RFC 7530 §6.2.2).");
        }

        CheckString(Owner, nameof(Owner));
        CheckString(OwnerGroup, nameof(OwnerGroup));
    }

    /// <summary>The attrlist4 values, in attribute-number order (RFC 7530 §2.2.8).</summary>
    internal void EncodeValues(XdrWriter writer)
    {
        if (Size is { } size)
        {
            writer.WriteUInt64(size);
        }

        if (Archive is { } archive)
        {
            writer.WriteBool(archive);
        }

        if (Hidden is { } hidden)
        {
            writer.WriteBool(hidden);
        }

        if (Mode is { } mode)
        {
            writer.WriteUInt32(mode);
        }

        if (Owner is not null)
        {
            writer.WriteString(Owner, Fattr4.MaxStringLength);
        }

        if (OwnerGroup is not null)
        {
            writer.WriteString(OwnerGroup, Fattr4.MaxStringLength);
        }

        if (System is { } system)
        {
            writer.WriteBool(system);
        }

        TimeAccess?.Encode(writer);
        TimeBackup?.Encode(writer);
        TimeCreate?.Encode(writer);
        TimeModify?.Encode(writer);
    }

    private static ulong Bit(bool set, int attribute) => set ? 1UL << attribute : 0;

    private static void CheckString(string? value, string name)
    {
        if (value is null)
        {
            return;
        }

        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException($"{name} is not valid UTF-16 (an unpaired surrogate).", name, ex);
        }

        if (length > Fattr4.MaxStringLength)
        {
            throw new ArgumentException($"{name} of {length} UTF-8 bytes exceeds its maximum of {Fattr4.MaxStringLength}.", name);
        }
    }
}
