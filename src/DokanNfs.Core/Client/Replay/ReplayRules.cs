using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>What to do with a call whose outcome was unknown, decided from the server's state now.</summary>
internal enum ReplayDecision
{
    /// <summary>The state shows the call took effect.</summary>
    AlreadyApplied,

    /// <summary>The state shows the outcome the call was for, whoever brought it about.</summary>
    Moot,

    /// <summary>Every object is still at the version the call was based on: send it again behind VERIFY.</summary>
    SafeToReplay,

    /// <summary>Something else changed an object the call was based on, and its own outcome is not visible.</summary>
    Conflict,
}

internal readonly record struct ReplayVerdict(ReplayDecision Decision, string Reason)
{
    public NfsReplayOutcome Outcome => Decision switch
    {
        ReplayDecision.AlreadyApplied => NfsReplayOutcome.AlreadyApplied,
        ReplayDecision.Moot => NfsReplayOutcome.Moot,
        ReplayDecision.SafeToReplay => NfsReplayOutcome.Replayed,
        _ => NfsReplayOutcome.Conflict,
    };
}

/// <summary>
/// The decision table of version-carrying replay (issue 8 §2), one rule per operation, as pure functions of the
/// versions a call was based on and what a probe finds now. Each combines identity (fileid and filehandle), the
/// change attribute and the operation's own expected outcome, because NFS-Ganesha's change attribute is a timestamp:
/// equality of change alone never decides anything.
/// </summary>
internal static class ReplayRules
{
    /// <summary>
    /// REMOVE of the name that referred to <paramref name="target"/>: gone → applied; another object there → moot (that
    /// object is not the one meant, and stays); the same object unchanged → replay; the same object changed → conflict
    /// (the rule: removing it would destroy a change made after the caller decided to remove it).
    /// </summary>
    public static ReplayVerdict Remove(ObjectVersion directory, ObjectVersion target, NameProbe now)
    {
        if (now.DirectoryGone)
        {
            return new(ReplayDecision.Moot, "the directory is gone, and the name with it");
        }

        if (DirectoryProblem(directory, now) is { } problem)
        {
            return problem;
        }

        if (now.Object is not { } found)
        {
            return new(ReplayDecision.AlreadyApplied, "the name is gone");
        }

        if (!found.IsSameObject(target))
        {
            return new(ReplayDecision.Moot, $"the name now refers to another object (fileid {found.FileId}), not the one the REMOVE meant; it is left alone");
        }

        return found.Change == target.Change
            ? new(ReplayDecision.SafeToReplay, "the object is still at the version the REMOVE was based on")
            : new(ReplayDecision.Conflict, $"the object was changed by someone else since (change {target.Change} -> {found.Change})");
    }

    /// <summary>
    /// RENAME of <paramref name="source"/> onto a destination name that held <paramref name="destination"/> (null: free).
    /// The renamed object at the destination → applied. Still at the source, with the destination as it was → replay.
    /// Anything else → conflict: a replay would rename over something new, or the object went elsewhere.
    /// </summary>
    public static ReplayVerdict Rename(ObjectVersion sourceDirectory, ObjectVersion source, ObjectVersion targetDirectory, ObjectVersion? destination, NameProbe sourceNow, NameProbe destinationNow)
    {
        if (destinationNow.DirectoryUsable && destinationNow.Object is { } atDestination && atDestination.IsSameObject(source))
        {
            return new(ReplayDecision.AlreadyApplied, "the renamed object sits at the destination");
        }

        if ((DirectoryProblem(sourceDirectory, sourceNow) ?? DirectoryProblem(targetDirectory, destinationNow)) is { } problem)
        {
            return problem;
        }

        if (sourceNow.Object is not { } atSource || !atSource.IsSameObject(source))
        {
            return new(ReplayDecision.Conflict, "the object is at neither name any more: someone else moved or removed it");
        }

        var destinationAsBefore = destination is { } before
            ? destinationNow.Object is { } now && now.IsUnchanged(before)
            : destinationNow.Object is null;
        return destinationAsBefore
            ? new(ReplayDecision.SafeToReplay, "the object is still at the source and the destination is as it was")
            : new(ReplayDecision.Conflict, destination is null
                ? "someone else created the destination name since; renaming now would replace it"
                : "the destination name was changed by someone else since; renaming now would replace that change");
    }

    /// <summary>
    /// CREATE of a <paramref name="type"/> at a name that was free: still free → replay (a CREATE never replaces
    /// anything); an object of that type with what was asked for (link text, mode) → applied; anything else → conflict.
    /// </summary>
    public static ReplayVerdict Create(ObjectVersion directory, NfsFtype4 type, string? linkTarget, SetAttributes attributes, NameProbe now, string? linkTextNow)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (now.DirectoryGone)
        {
            return new(ReplayDecision.Conflict, "the directory is gone");
        }

        if (DirectoryProblem(directory, now) is { } problem)
        {
            return problem;
        }

        if (now.Object is not { } found)
        {
            return new(ReplayDecision.SafeToReplay, "the name is still free");
        }

        var asAsked = found.Type == type
            && (type != NfsFtype4.Lnk || string.Equals(linkTextNow, linkTarget, StringComparison.Ordinal))
            && (attributes.Mode is not { } mode || (now.ObjectAttributes?.Mode & SetAttributes.ModeMask) == mode);
        return asAsked
            ? new(ReplayDecision.AlreadyApplied, $"a {type} as asked for has the name")
            : new(ReplayDecision.Conflict, $"another object ({found.Type}, fileid {found.FileId}) has the name now");
    }

    /// <summary>
    /// LINK of <paramref name="file"/> at a free name: the name refers to the file → applied; still free and the file
    /// still there → replay; anything else → conflict.
    /// </summary>
    public static ReplayVerdict Link(ObjectVersion directory, ObjectVersion file, NameProbe now, NfsStat4 fileStatus, ObjectVersion? fileNow)
    {
        if (now.DirectoryGone)
        {
            return new(ReplayDecision.Conflict, "the directory is gone");
        }

        if (DirectoryProblem(directory, now) is { } problem)
        {
            return problem;
        }

        if (now.Object is { } found)
        {
            return found.IsSameObject(file)
                ? new(ReplayDecision.AlreadyApplied, "the name refers to the file")
                : new(ReplayDecision.Conflict, $"another object (fileid {found.FileId}) has the name now");
        }

        return fileStatus == NfsStat4.Ok && fileNow is { } current && current.IsSameObject(file)
            ? new(ReplayDecision.SafeToReplay, "the name is still free and the file is still there")
            : new(ReplayDecision.Conflict, $"the file to link is gone ({fileStatus})");
    }

    /// <summary>
    /// SETATTR of <paramref name="attributes"/> on the object at <paramref name="basis"/>: the attributes hold →
    /// applied; the object unchanged → replay; otherwise conflict — someone else changed it, and setting the
    /// attributes again could clobber that (only the client-visible values are compared; times set to the server's
    /// clock cannot be, see <see cref="Holds"/>).
    /// </summary>
    public static ReplayVerdict SetAttr(ObjectVersion basis, SetAttributes attributes, NfsStat4 status, NfsAttributes? now)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (status != NfsStat4.Ok || now is null)
        {
            return new(ReplayDecision.Conflict, $"the object cannot be read any more ({status})");
        }

        if (ObjectVersion.Of(now, basis.FileHandle) is not { } found || !found.IsSameObject(basis))
        {
            return new(ReplayDecision.Conflict, "the filehandle now names another object");
        }

        switch (Holds(attributes, now))
        {
            case true:
                return new(ReplayDecision.AlreadyApplied, "the attributes asked for hold");
            case null when found.Change != basis.Change:
                return new(ReplayDecision.Moot, "only server-clock times were asked for, and the object's change moved since: setting them again would only move them again");
        }

        return found.Change == basis.Change
            ? new(ReplayDecision.SafeToReplay, "the object is still at the version the SETATTR was based on")
            : new(ReplayDecision.Conflict, $"the object was changed by someone else since (change {basis.Change} -> {found.Change}) and does not hold the attributes asked for");
    }

    /// <summary>
    /// True when every attribute asked for that can be compared has the value asked for; null when nothing can be
    /// compared (only SET_TO_SERVER_TIME4 times, RFC 7530 §2.2.3); false otherwise.
    /// </summary>
    public static bool? Holds(SetAttributes asked, NfsAttributes now)
    {
        ArgumentNullException.ThrowIfNull(asked);
        ArgumentNullException.ThrowIfNull(now);
        var compared = false;
        var holds = true;
        Compare(asked.Size, now.Size);
        Compare(asked.Mode, now.Mode & SetAttributes.ModeMask);
        Compare(asked.Archive, now.Archive);
        Compare(asked.Hidden, now.Hidden);
        Compare(asked.System, now.System);
        Compare(asked.TimeBackup, now.TimeBackup);
        Compare(asked.TimeCreate, now.TimeCreate);
        CompareTime(asked.TimeAccess, now.TimeAccess);
        CompareTime(asked.TimeModify, now.TimeModify);
        if (asked.Owner is { } owner)
        {
            compared = true;
            holds &= string.Equals(owner, now.Owner, StringComparison.Ordinal);
        }

        if (asked.OwnerGroup is { } group)
        {
            compared = true;
            holds &= string.Equals(group, now.OwnerGroup, StringComparison.Ordinal);
        }

        return compared ? holds : null;

        void Compare<T>(T? value, T? current)
            where T : struct, IEquatable<T>
        {
            if (value is { } v)
            {
                compared = true;
                holds &= current is { } c && c.Equals(v);
            }
        }

        void CompareTime(SetTime? value, NfsTime4? current)
        {
            if (value is { IsClientTime: true } v)
            {
                compared = true;
                holds &= current == v.Time;
            }
        }
    }

    /// <summary>The directory's handle no longer works, or names another object than the call was based on.</summary>
    private static ReplayVerdict? DirectoryProblem(ObjectVersion directory, NameProbe now) =>
        !now.DirectoryUsable ? new(ReplayDecision.Conflict, $"the directory cannot be checked ({now.DirectoryStatus})")
        : now.Directory is { } found && found.FileId != directory.FileId ? new(ReplayDecision.Conflict, "the directory's filehandle now names another object")
        : null;
}
