using System.Text;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.TestSupport.FakeNfs;

// Names and attributes: LOOKUP, LOOKUPP, GETATTR, SETATTR, VERIFY, NVERIFY, ACCESS, READLINK, READDIR,
// CREATE, REMOVE, RENAME, LINK, SECINFO (RFC 7530 §16).
internal sealed partial class FakeCompoundProcessor
{
    /// <summary>Attributes a client may set that the fake does not keep.</summary>
    private static readonly Bitmap4 NotKept = Bitmap4.Of(FAttr4.Archive, FAttr4.Hidden, FAttr4.System, FAttr4.TimeBackup, FAttr4.TimeCreate);

    private static readonly Bitmap4 WriteOnly = Bitmap4.Of(FAttr4.TimeAccessSet, FAttr4.TimeModifySet);

    /// <summary>The current filehandle as a directory to work in: NOFILEHANDLE, MOVED, SYMLINK or NOTDIR otherwise.</summary>
    private static NfsStat4 CurrentDirectory(FakeCompoundContext ctx, out FakeNode directory)
    {
        directory = ctx.Current!;
        return ctx.Current switch
        {
            null => NfsStat4.NoFileHandle,
            { IsAbsent: true } => NfsStat4.Moved,
            { Type: NfsFtype4.Lnk } => NfsStat4.Symlink,
            { IsDirectory: false } => NfsStat4.NotDir,
            _ => NfsStat4.Ok,
        };
    }

    /// <summary>The current filehandle as an object present here: NOFILEHANDLE or MOVED otherwise.</summary>
    private static NfsStat4 CurrentObject(FakeCompoundContext ctx, out FakeNode node)
    {
        node = ctx.Current!;
        return ctx.Current switch
        {
            null => NfsStat4.NoFileHandle,
            { IsAbsent: true } => NfsStat4.Moved,
            _ => NfsStat4.Ok,
        };
    }

    /// <summary>component4 rules (RFC 7530 §12.7): not empty, not "." or "..", no "/", at most maxname bytes.</summary>
    private NfsStat4 CheckName(string name) =>
        name.Length == 0 ? NfsStat4.Inval
        : name is "." or ".." || name.Contains('/', StringComparison.Ordinal) ? NfsStat4.BadName
        : Encoding.UTF8.GetByteCount(name) > Options.MaxName ? NfsStat4.NameTooLong
        : NfsStat4.Ok;

    private NfsStat4 Lookup(FakeCompoundContext ctx, LookupArgs a)
    {
        var status = CurrentDirectory(ctx, out var dir);
        if (status == NfsStat4.Ok && (status = CheckName(a.Name)) == NfsStat4.Ok)
        {
            // A LOOKUP into the root of an absent file system succeeds; what is below it does not (RFC 7530 §8.4.2).
            status = dir.Children!.TryGetValue(a.Name, out var child) ? PutFh(ctx, child) : NfsStat4.NoEnt;
        }

        return status;
    }

    private static NfsStat4 LookupP(FakeCompoundContext ctx)
    {
        var status = CurrentDirectory(ctx, out var dir);
        if (status != NfsStat4.Ok)
        {
            return status;
        }

        return dir.Parent is { } parent ? PutFh(ctx, parent) : NfsStat4.NoEnt;
    }

    private NfsStat4 GetAttr(FakeCompoundContext ctx, GetAttrArgs a, XdrWriter w)
    {
        if (ctx.Current is not { } node)
        {
            return NfsStat4.NoFileHandle;
        }

        if (a.Request.Intersect(WriteOnly) != default)
        {
            return NfsStat4.Inval;
        }

        // An absent file system answers only where it went; asking for more is NFS4ERR_MOVED (RFC 7530 §8.4.2).
        if (node.IsAbsent && a.Request.Intersect(FakeAttributeEncoder.AbsentAllowed) != (a.Request with { HasUnknownBits = false }))
        {
            return NfsStat4.Moved;
        }

        FakeAttributeEncoder.Encode(w, a.Request, node, Fs, Options, node.IsAbsent ? NfsStat4.Moved : NfsStat4.Ok);
        return NfsStat4.Ok;
    }

    private NfsStat4 SetAttr(FakeCompoundContext ctx, SetAttrArgs a, XdrWriter w)
    {
        var status = CurrentObject(ctx, out var node);
        if (status == NfsStat4.Ok && !IsSpecial(a.StateId))
        {
            status = State.FindState(a.StateId, node, out var open, out _);
            if (status == NfsStat4.Ok && a.Attributes.Decoded.Size is not null && (open!.Access & OpenShareAccess.Write) == 0)
            {
                status = NfsStat4.OpenMode;
            }
        }

        var applied = default(Bitmap4);
        if (status == NfsStat4.Ok)
        {
            status = ApplyAttributes(node, a.Attributes);
            applied = status == NfsStat4.Ok ? a.Attributes.Mask : default;
        }

        // SETATTR4res carries attrsset whatever the status (RFC 7530 §16.32).
        applied.Encode(w);
        return status;
    }

    private NfsStat4 ApplyAttributes(FakeNode node, FattrArgs attributes)
    {
        var a = attributes.Decoded;
        if (attributes.Mask.Intersect(NotKept) != default)
        {
            return NfsStat4.AttrNotSupp;
        }

        if (a.Size is { } size)
        {
            if (node.Type != NfsFtype4.Reg)
            {
                return node.IsDirectory ? NfsStat4.IsDir : NfsStat4.Inval;
            }

            if (size > Options.MaxFileSize)
            {
                return NfsStat4.Fbig;
            }

            var data = node.Data;
            Array.Resize(ref data, (int)size);
            node.Data = data;
        }

        node.Mode = a.Mode is { } mode ? mode & 0xFFF : node.Mode;
        node.Owner = a.Owner ?? node.Owner;
        node.OwnerGroup = a.OwnerGroup ?? node.OwnerGroup;
        Fs.Touch(node, data: a.Size is not null);
        if (a.TimeAccess is { } atime)
        {
            node.TimeAccess = atime.IsClientTime ? atime.Time : Fs.Now();
        }

        if (a.TimeModify is { } mtime)
        {
            node.TimeModify = mtime.IsClientTime ? mtime.Time : Fs.Now();
        }

        return NfsStat4.Ok;
    }

    private NfsStat4 Verify(FakeCompoundContext ctx, VerifyArgs a)
    {
        var status = CurrentObject(ctx, out var node);
        if (status != NfsStat4.Ok)
        {
            return status;
        }

        if (a.Mask.HasUnknownBits || a.Mask.Intersect(FakeAttributeEncoder.Supported) != a.Mask)
        {
            return NfsStat4.AttrNotSupp;
        }

        if (a.Mask.Contains(FAttr4.RdAttrError))
        {
            return NfsStat4.Inval;
        }

        using var ours = new XdrWriter();
        FakeAttributeEncoder.EncodeValues(ours, a.Mask, node, Fs, Options);
        var same = ours.WrittenSpan.SequenceEqual(a.Values);
        return (a.Which, same) switch
        {
            (NfsOpnum4.Verify, true) or (NfsOpnum4.NVerify, false) => NfsStat4.Ok,
            (NfsOpnum4.Verify, false) => NfsStat4.NotSame,
            _ => NfsStat4.Same,
        };
    }

    private static NfsStat4 Access(FakeCompoundContext ctx, AccessArgs a, XdrWriter w)
    {
        var status = CurrentObject(ctx, out _);
        if (status != NfsStat4.Ok)
        {
            return status;
        }

        // The fake checks no permissions: every right asked for is checked and granted.
        const Access4 all = Access4.Read | Access4.Lookup | Access4.Modify | Access4.Extend | Access4.Delete | Access4.Execute;
        w.WriteUInt32((uint)(a.Access & all));
        w.WriteUInt32((uint)(a.Access & all));
        return NfsStat4.Ok;
    }

    private static NfsStat4 ReadLink(FakeCompoundContext ctx, XdrWriter w)
    {
        var status = CurrentObject(ctx, out var node);
        if (status == NfsStat4.Ok && node.Type != NfsFtype4.Lnk)
        {
            status = NfsStat4.Inval;
        }

        if (status == NfsStat4.Ok)
        {
            w.WriteString(node.LinkTarget!);
        }

        return status;
    }

    private NfsStat4 ReadDir(FakeCompoundContext ctx, ReadDirArgs a, XdrWriter w)
    {
        var status = CurrentDirectory(ctx, out var dir);
        if (status != NfsStat4.Ok)
        {
            return status;
        }

        // Cookies 1 and 2 are reserved (RFC 7530 §16.24.4); entry i has cookie i + 3.
        if (a.Cookie is 1 or 2)
        {
            return NfsStat4.BadCookie;
        }

        var entries = dir.Children!.ToList();
        var start = a.Cookie == 0 ? 0 : (int)Math.Min(a.Cookie - 2, (ulong)entries.Count);
        var wantsError = a.Request.Contains(FAttr4.RdAttrError);

        // maxcount bounds the whole READDIR4resok: the verifier, the entries, the list end and eof.
        var budget = (long)a.MaxCount - 8 - 4 - 4;
        using var list = new XdrWriter();
        var index = start;
        for (; index < entries.Count; index++)
        {
            var (name, child) = entries[index];
            if (child.IsAbsent && !wantsError)
            {
                // Without rdattr_error there is no way to describe a referral inside the listing.
                return NfsStat4.Moved;
            }

            using var entry = new XdrWriter();
            entry.WriteBool(true);
            entry.WriteUInt64((ulong)index + 3);
            entry.WriteString(name);
            FakeAttributeEncoder.Encode(entry, a.Request, child, Fs, Options, child.IsAbsent ? NfsStat4.Moved : NfsStat4.Ok);
            if (list.Length + entry.Length > budget)
            {
                break;
            }

            list.WriteFixedOpaque(entry.WrittenSpan);
        }

        if (index == start && index < entries.Count)
        {
            return NfsStat4.TooSmall;
        }

        new Verifier4(dir.FileId).Encode(w);
        w.WriteFixedOpaque(list.WrittenSpan);
        w.WriteBool(false);
        w.WriteBool(index == entries.Count);
        return NfsStat4.Ok;
    }

    private NfsStat4 Create(FakeCompoundContext ctx, CreateArgs a, XdrWriter w)
    {
        var status = CurrentDirectory(ctx, out var dir);
        if (status == NfsStat4.Ok && (status = CheckName(a.Name)) == NfsStat4.Ok)
        {
            status = dir.Children!.ContainsKey(a.Name) ? NfsStat4.Exist
                : a.Type is NfsFtype4.Reg or NfsFtype4.None or > NfsFtype4.Fifo ? NfsStat4.BadType
                : a.Attributes.Decoded.Size is not null ? NfsStat4.Inval
                : NfsStat4.Ok;
        }

        if (status != NfsStat4.Ok)
        {
            return status;
        }

        var node = Fs.NewNode(a.Type, dir.Fsid, a.Type == NfsFtype4.Lnk ? 0x1FFu : 0x1EDu, a.LinkData, a.DevData);
        status = ApplyAttributes(node, a.Attributes);
        if (status != NfsStat4.Ok)
        {
            return status;
        }

        var before = dir.Change;
        Fs.Attach(dir, a.Name, node);
        WriteChangeInfo(w, before, dir.Change);
        a.Attributes.Mask.Encode(w);
        ctx.Current = node;
        return NfsStat4.Ok;
    }

    private NfsStat4 Remove(FakeCompoundContext ctx, RemoveArgs a, XdrWriter w)
    {
        var status = CurrentDirectory(ctx, out var dir);
        if (status == NfsStat4.Ok && (status = CheckName(a.Name)) == NfsStat4.Ok)
        {
            status = !dir.Children!.TryGetValue(a.Name, out var child) ? NfsStat4.NoEnt
                : child.Children is { Count: > 0 } ? NfsStat4.NotEmpty
                : NfsStat4.Ok;
        }

        if (status == NfsStat4.Ok)
        {
            var before = dir.Change;
            Fs.Detach(dir, a.Name);
            WriteChangeInfo(w, before, dir.Change);
        }

        return status;
    }

    private NfsStat4 Rename(FakeCompoundContext ctx, RenameArgs a, XdrWriter w)
    {
        // RENAME moves from the saved directory to the current one (RFC 7530 §16.27).
        if (ctx.Saved is null)
        {
            return NfsStat4.NoFileHandle;
        }

        var status = CurrentDirectory(ctx, out var target);
        var saved = new FakeCompoundContext { Current = ctx.Saved };
        if (status == NfsStat4.Ok)
        {
            status = CurrentDirectory(saved, out _);
        }

        var source = ctx.Saved;
        FakeNode? node = null;
        if (status == NfsStat4.Ok && (status = CheckName(a.OldName)) == NfsStat4.Ok && (status = CheckName(a.NewName)) == NfsStat4.Ok)
        {
            status = !source.Children!.TryGetValue(a.OldName, out node) ? NfsStat4.NoEnt
                : source.Fsid != target.Fsid ? NfsStat4.Xdev
                : node.IsDirectory && IsAtOrBelow(target, node) ? NfsStat4.Inval
                : NfsStat4.Ok;
        }

        if (status == NfsStat4.Ok && target.Children!.TryGetValue(a.NewName, out var existing) && existing != node)
        {
            // RFC 7530 §16.27.4: a target of another type, or a directory that is not empty, is NFS4ERR_EXIST.
            status = existing.IsDirectory != node!.IsDirectory || existing.Children is { Count: > 0 } ? NfsStat4.Exist : NfsStat4.Ok;
            if (status == NfsStat4.Ok)
            {
                Fs.Detach(target, a.NewName);
            }
        }

        if (status != NfsStat4.Ok)
        {
            return status;
        }

        var (sourceBefore, targetBefore) = (source.Change, target.Change);
        if (node is not null && target.Children!.GetValueOrDefault(a.NewName) != node)
        {
            source.Children!.Remove(a.OldName);
            target.Children![a.NewName] = node;
            if (node.IsDirectory)
            {
                source.Links--;
                target.Links++;
            }

            if (node.Parent == source && node.Name == a.OldName)
            {
                (node.Parent, node.Name) = (target, a.NewName);
            }

            Fs.Touch(source, data: true);
            Fs.Touch(target, data: true);
            Fs.Touch(node, data: false);
        }

        WriteChangeInfo(w, sourceBefore, source.Change);
        WriteChangeInfo(w, targetBefore, target.Change);
        return NfsStat4.Ok;
    }

    private NfsStat4 Link(FakeCompoundContext ctx, LinkArgs a, XdrWriter w)
    {
        // LINK gives the saved filehandle a new name in the current directory (RFC 7530 §16.9).
        if (ctx.Saved is not { } file)
        {
            return NfsStat4.NoFileHandle;
        }

        var status = CurrentDirectory(ctx, out var dir);
        if (status == NfsStat4.Ok && (status = CheckName(a.NewName)) == NfsStat4.Ok)
        {
            status = file.IsDirectory ? NfsStat4.IsDir
                : dir.Children!.ContainsKey(a.NewName) ? NfsStat4.Exist
                : file.Fsid != dir.Fsid ? NfsStat4.Xdev
                : NfsStat4.Ok;
        }

        if (status == NfsStat4.Ok)
        {
            var before = dir.Change;
            Fs.Attach(dir, a.NewName, file);
            file.Links++;
            Fs.Touch(file, data: false);
            WriteChangeInfo(w, before, dir.Change);
        }

        return status;
    }

    private NfsStat4 SecInfo(FakeCompoundContext ctx, SecInfoArgs a, XdrWriter w)
    {
        var status = CurrentDirectory(ctx, out var dir);
        if (status == NfsStat4.Ok && (status = CheckName(a.Name)) == NfsStat4.Ok && !dir.Children!.ContainsKey(a.Name))
        {
            status = NfsStat4.NoEnt;
        }

        if (status == NfsStat4.Ok)
        {
            // AUTH_SYS, then AUTH_NONE; SECINFO consumes the current filehandle (RFC 7530 §16.31.4).
            w.WriteArrayCount(2);
            w.WriteUInt32(1);
            w.WriteUInt32(0);
            ctx.Current = null;
        }

        return status;
    }

    private static bool IsAtOrBelow(FakeNode node, FakeNode ancestor)
    {
        for (var n = node; n is not null; n = n.Parent)
        {
            if (n == ancestor)
            {
                return true;
            }
        }

        return false;
    }
}
