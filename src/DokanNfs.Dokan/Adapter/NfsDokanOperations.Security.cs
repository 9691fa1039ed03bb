using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using DokanNfs.Dokan.Security;

namespace DokanNfs.Dokan.Adapter;

// GetFileSecurity / SetFileSecurity from uid, gid and mode (issue 6 §7). Errors here break copies, Word saves
// and context menus (../shared/windows-io.md §5.4), so SetFileSecurity succeeds whenever nothing is harmed.
public sealed partial class NfsDokanOperations
{

    private IdMapper? _ids;

    private IdMapper Ids => _ids ??= new IdMapper(Options.IdMapping);

    /// <summary>
    /// Writes a self-relative security descriptor (owner, group, DACL from the mode) with the parts
    /// <paramref name="securityInformation"/> asks for; STATUS_BUFFER_OVERFLOW with <paramref name="lengthNeeded"/>
    /// when it does not fit, as Dokan expects.
    /// </summary>
    public int GetFileSecurity(ReadOnlySpan<char> fileName, uint securityInformation, Span<byte> securityDescriptor, out uint lengthNeeded, ref DOKAN_FILE_INFO info)
    {
        lengthNeeded = 0;
        string? path = null;
        try
        {
            var context = ContextOf(ref info);
            var status = PathOf(context, fileName, ref info, out path);
            if (status != NtStatus.Success)
            {
                return status;
            }

            NfsAttributes attributes;
            using (CredentialScope.Use(context?.Credential))
            {
                attributes = Wait(_fs.GetAttributesAsync(path, Ct), ref info);
            }

            return SecurityDescriptorBuilder.Write(securityDescriptor, securityInformation, SourceOf(attributes), out lengthNeeded);
        }
        catch (Exception e)
        {
            return Fail(e, nameof(GetFileSecurity), path);
        }
    }

    /// <summary>
    /// Applies what maps onto the mode (the DACL's owner / group / Everyone entries) and, when the new owner or
    /// group maps to an id, chown / chgrp; everything else — SACLs, other accounts' entries, a change the server
    /// refuses — is accepted without harm and logged.
    /// </summary>
    public int SetFileSecurity(ReadOnlySpan<char> fileName, uint securityInformation, ReadOnlySpan<byte> securityDescriptor, ref DOKAN_FILE_INFO info)
    {
        string? path = null;
        try
        {
            var context = ContextOf(ref info);
            var status = PathOf(context, fileName, ref info, out path);
            if (status != NtStatus.Success)
            {
                return status;
            }

            if (Options.ReadOnly)
            {
                return NtStatus.MediaWriteProtected;
            }

            using (CredentialScope.Use(context?.Credential))
            {
                var attributes = Wait(_fs.GetAttributesAsync(path, Ct), ref info);
                var source = SourceOf(attributes);
                if (!SecurityDescriptorReader.TryGetMode(
                    securityDescriptor, securityInformation, Options.Identity, source.Owner, source.Group, source.Mode, out var newMode, out var newOwner, out var newGroup))
                {
                    AdapterLog.CallbackError(_logger, nameof(SetFileSecurity), path, NtStatus.Success, "malformed security descriptor ignored");
                    return NtStatus.Success;
                }

                var change = new SetAttributes
                {
                    Mode = (newMode & SetAttributes.ModeMask) != (source.Mode & SetAttributes.ModeMask) ? newMode & SetAttributes.ModeMask : null,
                    Owner = newOwner is { } o && o != source.Owner && Options.Identity.TryGetOwnerString(o, Ids, out var owner) ? owner : null,
                    OwnerGroup = newGroup is { } g && g != source.Group && Options.Identity.TryGetGroupString(g, Ids, out var group) ? group : null,
                };
                if (change.Mode is null && change.Owner is null && change.OwnerGroup is null)
                {
                    return NtStatus.Success;
                }

                try
                {
                    Wait(_fs.SetAttributesAsync(path, change, Ct), ref info);
                    NoteOwnChange(path); // .Changes.cs: not announced back to Windows
                }
                catch (NfsException e) when (e.Status is NfsStat4.Perm or NfsStat4.Access or NfsStat4.BadOwner or NfsStat4.Inval)
                {
                    // Programs set security on save as a matter of course; a refusal must not fail the save.
                    AdapterLog.CallbackError(_logger, nameof(SetFileSecurity), path, NtStatus.Success, $"server refused the change ({e.Status}); accepted without it");
                }

                return NtStatus.Success;
            }
        }
        catch (Exception e)
        {
            return Fail(e, nameof(SetFileSecurity), path);
        }
    }

    private SecurityDescriptorSource SourceOf(NfsAttributes attributes)
    {
        var nobody = Ids.Options.NobodyId;
        var owner = attributes.Owner is { } o ? Options.Identity.OwnerSid(o, Ids) : Options.Identity.OwnerSid(nobody);
        var group = attributes.OwnerGroup is { } g ? Options.Identity.GroupSid(g, Ids) : Options.Identity.GroupSid(nobody);
        var isDirectory = WindowsInfo.IsDirectory(attributes);
        var mode = attributes.Mode ?? (isDirectory ? 0x1EDu : 0x1A4u); // no mode from the server: 0755 / 0644
        return new SecurityDescriptorSource(owner, group, mode & SetAttributes.ModeMask, isDirectory);
    }

    /// <summary>The open's path when there is an open (it follows renames), else the resolved Dokan path.</summary>
    private int PathOf(FileContext? context, ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info, out string path)
    {
        if (context is not null)
        {
            path = context.Path;
            return NtStatus.Success;
        }

        return ResolvePath(fileName, ref info, out path);
    }
}
