using System.Numerics;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>The attrlist4 decoder: values in attribute-number order (RFC 7530 §2.2.8).</summary>
public sealed partial class NfsAttributes
{
    /// <summary>
    /// Decodes the values named by <paramref name="mask"/> from <paramref name="attrlist"/>. The first
    /// attribute with no known encoding (a write-only one, or one from a later minor version) ends decoding:
    /// values are concatenated without lengths, so nothing after it can be found. <paramref name="baseOffset"/>
    /// is where the attrlist starts in the enclosing message, for the position of errors.
    /// </summary>
    internal static NfsAttributes Decode(Bitmap4 mask, ReadOnlySpan<byte> attrlist, int baseOffset)
    {
        var attributes = new NfsAttributes();
        var reader = new XdrReader(attrlist);
        var complete = attributes.DecodeWord(ref reader, mask.Word0, 0, baseOffset)
            && attributes.DecodeWord(ref reader, mask.Word1, 32, baseOffset)
            && attributes.DecodeWord(ref reader, mask.Word2, 64, baseOffset);

        // Bits past word 2 name attributes we cannot know, numbered after every one we decoded: their values
        // are the rest of the list. Otherwise every byte must have been used, or an attribute was misread.
        if (complete && !mask.HasUnknownBits && !reader.IsAtEnd)
        {
            throw new XdrException($"fattr4 attrlist has {reader.Remaining} bytes after its last attribute.")
            {
                Position = baseOffset + reader.Position,
            };
        }

        return attributes;
    }

    private bool DecodeWord(ref XdrReader reader, uint word, int first, int baseOffset)
    {
        while (word != 0)
        {
            var attribute = first + BitOperations.TrailingZeroCount(word);
            word &= word - 1;
            var start = reader.Position;
            bool known;
            try
            {
                known = DecodeValue(ref reader, attribute);
            }
            catch (XdrException ex)
            {
                var position = baseOffset + (ex.Position >= 0 ? ex.Position : start);
                throw new XdrException($"fattr4 attribute {attribute} at offset {baseOffset + start} is malformed: {ex.Message}", ex)
                {
                    Position = position,
                };
            }

            if (!known)
            {
                return false;
            }

            Mark(attribute, present: true);
        }

        return true;
    }

    /// <summary>Reads one value into its field; false when the attribute has no encoding we know.</summary>
    private bool DecodeValue(ref XdrReader reader, int attribute)
    {
        switch (attribute)
        {
            case FAttr4.SupportedAttrs: _supportedAttrs = Bitmap4.Decode(ref reader); break;
            case FAttr4.Type: _type = reader.ReadEnum<NfsFtype4>(); break;
            case FAttr4.FhExpireType: _fhExpireType = reader.ReadUInt32(); break;
            case FAttr4.Change: _change = reader.ReadUInt64(); break;
            case FAttr4.Size: _size = reader.ReadUInt64(); break;
            case FAttr4.FsId: _fsid = Fsid4.Decode(ref reader); break;
            case FAttr4.LeaseTime: _leaseTime = reader.ReadUInt32(); break;
            case FAttr4.RdAttrError: _rdattrError = reader.ReadEnum<NfsStat4>(); break;
            case FAttr4.Acl: _acl = NfsAce4.DecodeList(ref reader); break;
            case FAttr4.AclSupport: _aclSupport = reader.ReadUInt32(); break;
            case FAttr4.FileHandle: _fileHandle = NfsFh.Decode(ref reader); break;
            case FAttr4.FileId: _fileId = reader.ReadUInt64(); break;
            case FAttr4.FilesAvail: _filesAvail = reader.ReadUInt64(); break;
            case FAttr4.FilesFree: _filesFree = reader.ReadUInt64(); break;
            case FAttr4.FilesTotal: _filesTotal = reader.ReadUInt64(); break;
            case FAttr4.FsLocations: _fsLocations = FsLocations4.Decode(ref reader); break;
            case FAttr4.MaxFileSize: _maxFileSize = reader.ReadUInt64(); break;
            case FAttr4.MaxLink: _maxLink = reader.ReadUInt32(); break;
            case FAttr4.MaxName: _maxName = reader.ReadUInt32(); break;
            case FAttr4.MaxRead: _maxRead = reader.ReadUInt64(); break;
            case FAttr4.MaxWrite: _maxWrite = reader.ReadUInt64(); break;
            case FAttr4.MimeType: _mimeType = reader.ReadString(Fattr4.MaxStringLength); break;
            case FAttr4.Mode: _mode = reader.ReadUInt32(); break;
            case FAttr4.NumLinks: _numLinks = reader.ReadUInt32(); break;
            case FAttr4.Owner: _owner = reader.ReadString(Fattr4.MaxStringLength); break;
            case FAttr4.OwnerGroup: _ownerGroup = reader.ReadString(Fattr4.MaxStringLength); break;
            case FAttr4.QuotaAvailHard: _quotaAvailHard = reader.ReadUInt64(); break;
            case FAttr4.QuotaAvailSoft: _quotaAvailSoft = reader.ReadUInt64(); break;
            case FAttr4.QuotaUsed: _quotaUsed = reader.ReadUInt64(); break;
            case FAttr4.RawDev: _rawDev = SpecData4.Decode(ref reader); break;
            case FAttr4.SpaceAvail: _spaceAvail = reader.ReadUInt64(); break;
            case FAttr4.SpaceFree: _spaceFree = reader.ReadUInt64(); break;
            case FAttr4.SpaceTotal: _spaceTotal = reader.ReadUInt64(); break;
            case FAttr4.SpaceUsed: _spaceUsed = reader.ReadUInt64(); break;
            case FAttr4.TimeAccess: _timeAccess = NfsTime4.Decode(ref reader); break;
            case FAttr4.TimeBackup: _timeBackup = NfsTime4.Decode(ref reader); break;
            case FAttr4.TimeCreate: _timeCreate = NfsTime4.Decode(ref reader); break;
            case FAttr4.TimeDelta: _timeDelta = NfsTime4.Decode(ref reader); break;
            case FAttr4.TimeMetadata: _timeMetadata = NfsTime4.Decode(ref reader); break;
            case FAttr4.TimeModify: _timeModify = NfsTime4.Decode(ref reader); break;
            case FAttr4.MountedOnFileId: _mountedOnFileId = reader.ReadUInt64(); break;
            case FAttr4.SuppAttrExclCreat: _suppAttrExclCreat = Bitmap4.Decode(ref reader); break;

            case FAttr4.LinkSupport:
            case FAttr4.SymlinkSupport:
            case FAttr4.NamedAttr:
            case FAttr4.UniqueHandles:
            case FAttr4.Archive:
            case FAttr4.CanSetTime:
            case FAttr4.CaseInsensitive:
            case FAttr4.CasePreserving:
            case FAttr4.ChownRestricted:
            case FAttr4.Hidden:
            case FAttr4.Homogeneous:
            case FAttr4.NoTrunc:
            case FAttr4.System:
                SetFlag(attribute, reader.ReadBool());
                break;

            // time_access_set and time_modify_set are write-only (RFC 7530 §5.5); a server returning them is
            // broken, and everything numbered above mounted_on_fileid but suppattr_exclcreat is NFSv4.1+ data
            // we do not model.
            default:
                return false;
        }

        return true;
    }
}
