using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Xdr;

/// <summary>RFC 4506 §7: <c>enum filekind { TEXT = 0, DATA = 1, EXEC = 2 };</c></summary>
public enum FileKind
{
    Text = 0,
    Data = 1,
    Exec = 2,
}

/// <summary>
/// RFC 4506 §7, the specification's own worked example:
/// <code>
/// union filetype switch (filekind kind) {
///    case TEXT: void;
///    case DATA: string creator&lt;MAXNAMELEN&gt;;
///    case EXEC: string interpretor&lt;MAXNAMELEN&gt;;
/// };
/// struct file {
///    string filename&lt;MAXNAMELEN&gt;;
///    filetype type;
///    string owner&lt;MAXUSERNAME&gt;;
///    opaque data&lt;MAXFILELEN&gt;;
/// };
/// </code>
/// </summary>
internal sealed class XdrFile
{
    public const int MaxUserName = 32;
    public const int MaxFileLen = 65535;
    public const int MaxNameLen = 255;

    public XdrFile(string fileName, FileKind kind, string? creatorOrInterpreter, string owner, byte[] data)
    {
        FileName = fileName;
        Kind = kind;
        CreatorOrInterpreter = creatorOrInterpreter;
        Owner = owner;
        Data = data;
    }

    public string FileName { get; }

    public FileKind Kind { get; }

    /// <summary>The union arm: null for TEXT (void), the creator for DATA, the interpreter for EXEC.</summary>
    public string? CreatorOrInterpreter { get; }

    public string Owner { get; }

    public byte[] Data { get; }

    /// <summary>The RFC 4506 §7 example: file "sillyprog", an EXEC for "lisp", owned by "john", holding "(quit)".</summary>
    public static XdrFile SillyProg => new("sillyprog", FileKind.Exec, "lisp", "john", "(quit)"u8.ToArray());

    /// <summary>The RFC 4506 §7 encoding of <see cref="SillyProg"/>, byte for byte from the RFC's table.</summary>
    public const string SillyProgHex =
        "00000009 73696c6c 7970726f 67000000" // filename: length 9, "sillyprog", 3 zero bytes of fill
        + " 00000002" // filekind is EXEC = 2
        + " 00000004 6c697370" // interpretor: length 4, "lisp"
        + " 00000004 6a6f686e" // owner: length 4, "john"
        + " 00000006 28717569 74290000"; // data: length 6, "(quit)", 2 zero bytes of fill

    public void Write(XdrWriter writer)
    {
        writer.WriteString(FileName, MaxNameLen);
        writer.WriteEnum(Kind);
        switch (Kind)
        {
            case FileKind.Text:
                break;
            case FileKind.Data:
            case FileKind.Exec:
                writer.WriteString(CreatorOrInterpreter ?? throw new ArgumentException($"filekind {Kind} needs a string arm."), MaxNameLen);
                break;
            default:
                throw new ArgumentException($"filekind {Kind} has no arm.");
        }

        writer.WriteString(Owner, MaxUserName);
        writer.WriteOpaque(Data, MaxFileLen);
    }

    /// <summary>
    /// Decodes the struct. A discriminant with no arm (RFC 4506 §4.15: no default) is malformed input, so the
    /// decoder raises <see cref="XdrException"/> for it just as the codec does for its own checks.
    /// </summary>
    public static XdrFile Read(ref XdrReader reader)
    {
        var fileName = reader.ReadString(MaxNameLen);
        var kindPosition = reader.Position;
        var kind = reader.ReadEnum<FileKind>();
        string? arm;
        switch (kind)
        {
            case FileKind.Text:
                arm = null;
                break;
            case FileKind.Data:
            case FileKind.Exec:
                arm = reader.ReadString(MaxNameLen);
                break;
            default:
                throw new XdrException($"filekind {(int)kind} has no arm.") { Position = kindPosition };
        }

        var owner = reader.ReadString(MaxUserName);
        var data = reader.ReadOpaque(MaxFileLen).ToArray();
        return new XdrFile(fileName, kind, arm, owner, data);
    }

    public void AssertEqual(XdrFile actual)
    {
        Assert.AreEqual(FileName, actual.FileName);
        Assert.AreEqual(Kind, actual.Kind);
        Assert.AreEqual(CreatorOrInterpreter, actual.CreatorOrInterpreter);
        Assert.AreEqual(Owner, actual.Owner);
        Assert.AreEqual(XdrTestSupport.ToHex(Data), XdrTestSupport.ToHex(actual.Data));
    }
}

/// <summary>
/// RFC 4506 §4.19's linked list through optional data:
/// <code>
/// struct *stringlist {
///    string item&lt;&gt;;
///    stringlist next;
/// };
/// </code>
/// Each node is a TRUE discriminant and an item; FALSE ends the list.
/// </summary>
internal static class StringList
{
    public static void Write(XdrWriter writer, IReadOnlyList<string> items, int maxItemLength = int.MaxValue)
    {
        foreach (var item in items)
        {
            writer.WriteOptional(true);
            writer.WriteString(item, maxItemLength);
        }

        writer.WriteOptional(false);
    }

    public static List<string> Read(ref XdrReader reader, int maxItemLength = int.MaxValue)
    {
        var items = new List<string>();
        while (reader.ReadOptional())
        {
            items.Add(reader.ReadString(maxItemLength));
        }

        return items;
    }
}

/// <summary>
/// An NFSv4-shaped result union with a void default arm (RFC 4506 §4.15):
/// <code>
/// union result switch (int status) {
///    case 0: unsigned hyper value;
///    default: void;
/// };
/// </code>
/// </summary>
internal readonly record struct XdrResult(int Status, ulong Value)
{
    public void Write(XdrWriter writer)
    {
        writer.WriteInt32(Status);
        if (Status == 0)
        {
            writer.WriteUInt64(Value);
        }
    }

    public static XdrResult Read(ref XdrReader reader)
    {
        var status = reader.ReadInt32();
        return status == 0 ? new XdrResult(0, reader.ReadUInt64()) : new XdrResult(status, 0);
    }
}

/// <summary>
/// A message using every XDR type NFSv4 needs, for the round-trip and truncation properties:
/// <code>
/// struct message {
///    unsigned hyper xid;
///    int delta;
///    bool flag;
///    colour colour;
///    opaque verifier[8];
///    opaque data&lt;64&gt;;
///    string name&lt;32&gt;;
///    int values&lt;16&gt;;
///    string names&lt;8&gt;;   (each name&lt;32&gt;)
///    stringlist list;
///    result result;
///    file file;
/// };
/// </code>
/// </summary>
internal sealed class XdrMessage
{
    public const int VerifierSize = 8;
    public const int MaxData = 64;
    public const int MaxName = 32;
    public const int MaxValues = 16;
    public const int MaxNames = 8;

    public ulong Xid { get; init; }

    public int Delta { get; init; }

    public bool Flag { get; init; }

    public Colour Colour { get; init; }

    public byte[] Verifier { get; init; } = new byte[VerifierSize];

    public byte[] Data { get; init; } = [];

    public string Name { get; init; } = string.Empty;

    public int[] Values { get; init; } = [];

    public string[] Names { get; init; } = [];

    public List<string> List { get; init; } = [];

    public XdrResult Result { get; init; }

    public XdrFile File { get; init; } = XdrFile.SillyProg;

    public static XdrMessage Sample => new()
    {
        Xid = 0x0123_4567_89AB_CDEF,
        Delta = -42,
        Flag = true,
        Colour = Colour.Blue,
        Verifier = [1, 2, 3, 4, 5, 6, 7, 8],
        Data = [0xDE, 0xAD, 0xBE],
        Name = "résumé",
        Values = [1, -1, int.MaxValue, int.MinValue],
        Names = ["a", "bc", string.Empty, "日本"],
        List = ["x", "yz"],
        Result = new XdrResult(0, ulong.MaxValue),
        File = XdrFile.SillyProg,
    };

    public static XdrMessage Random(Random random)
    {
        var verifier = new byte[VerifierSize];
        random.NextBytes(verifier);
        var data = new byte[random.Next(MaxData + 1)];
        random.NextBytes(data);
        var values = new int[random.Next(MaxValues + 1)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.Next(int.MinValue, int.MaxValue);
        }

        var names = new string[random.Next(MaxNames + 1)];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = XdrTestSupport.RandomString(random, random.Next(MaxName / 4 + 1));
        }

        var list = new List<string>();
        for (var i = random.Next(4); i > 0; i--)
        {
            list.Add(XdrTestSupport.RandomString(random, random.Next(6)));
        }

        var kind = (FileKind)random.Next(3);
        var fileData = new byte[random.Next(20)];
        random.NextBytes(fileData);
        return new XdrMessage
        {
            Xid = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63),
            Delta = random.Next(int.MinValue, int.MaxValue),
            Flag = random.Next(2) == 1,
            Colour = (Colour)random.Next(-1, 4),
            Verifier = verifier,
            Data = data,
            Name = XdrTestSupport.RandomString(random, random.Next(MaxName / 4 + 1)),
            Values = values,
            Names = names,
            List = list,
            Result = random.Next(2) == 0 ? new XdrResult(0, (ulong)random.NextInt64()) : new XdrResult(random.Next(1, 10_000), 0),
            File = new XdrFile(
                XdrTestSupport.RandomString(random, random.Next(10)),
                kind,
                kind == FileKind.Text ? null : XdrTestSupport.RandomString(random, random.Next(10)),
                XdrTestSupport.RandomString(random, random.Next(8)),
                fileData),
        };
    }

    public void Write(XdrWriter writer)
    {
        writer.WriteUInt64(Xid);
        writer.WriteInt32(Delta);
        writer.WriteBool(Flag);
        writer.WriteEnum(Colour);
        writer.WriteFixedOpaque(Verifier);
        writer.WriteOpaque(Data, MaxData);
        writer.WriteString(Name, MaxName);
        writer.WriteArrayCount(Values.Length, MaxValues);
        foreach (var value in Values)
        {
            writer.WriteInt32(value);
        }

        writer.WriteArrayCount(Names.Length, MaxNames);
        foreach (var name in Names)
        {
            writer.WriteString(name, MaxName);
        }

        StringList.Write(writer, List, MaxName);
        Result.Write(writer);
        File.Write(writer);
    }

    /// <summary>Decodes a whole message and insists nothing follows it.</summary>
    public static XdrMessage Read(ReadOnlySpan<byte> buffer)
    {
        var reader = new XdrReader(buffer);
        var xid = reader.ReadUInt64();
        var delta = reader.ReadInt32();
        var flag = reader.ReadBool();
        var colour = reader.ReadEnum<Colour>();
        var verifier = reader.ReadFixedOpaque(VerifierSize).ToArray();
        var data = reader.ReadOpaque(MaxData).ToArray();
        var name = reader.ReadString(MaxName);

        // The element arrays are allocated only after ReadArrayCount has bounded the count by the input.
        var values = new int[reader.ReadArrayCount(MaxValues, minElementSize: 4)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadInt32();
        }

        var names = new string[reader.ReadArrayCount(MaxNames, minElementSize: 4)];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = reader.ReadString(MaxName);
        }

        var list = StringList.Read(ref reader, MaxName);
        var result = XdrResult.Read(ref reader);
        var file = XdrFile.Read(ref reader);
        reader.ExpectEnd();
        return new XdrMessage
        {
            Xid = xid,
            Delta = delta,
            Flag = flag,
            Colour = colour,
            Verifier = verifier,
            Data = data,
            Name = name,
            Values = values,
            Names = names,
            List = list,
            Result = result,
            File = file,
        };
    }

    public void AssertEqual(XdrMessage actual)
    {
        Assert.AreEqual(Xid, actual.Xid);
        Assert.AreEqual(Delta, actual.Delta);
        Assert.AreEqual(Flag, actual.Flag);
        Assert.AreEqual(Colour, actual.Colour);
        Assert.AreEqual(XdrTestSupport.ToHex(Verifier), XdrTestSupport.ToHex(actual.Verifier));
        Assert.AreEqual(XdrTestSupport.ToHex(Data), XdrTestSupport.ToHex(actual.Data));
        Assert.AreEqual(Name, actual.Name);
        CollectionAssert.AreEqual(Values, actual.Values);
        CollectionAssert.AreEqual(Names, actual.Names);
        CollectionAssert.AreEqual(List, actual.List);
        Assert.AreEqual(Result, actual.Result);
        File.AssertEqual(actual.File);
    }
}
