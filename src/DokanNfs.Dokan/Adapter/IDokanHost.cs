using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Adapter;

/// <summary>
/// What the adapter asks of the Dokan library beyond returning from a callback: keeping a request alive,
/// who is asking, and telling Windows that something changed. On Windows <see cref="NativeDokanHost"/>
/// calls dokan2.dll; the tests' Windows I/O simulator records every call instead.
/// </summary>
public interface IDokanHost
{
    /// <summary>
    /// DokanResetTimeout: the request behind <paramref name="info"/> may run <paramref name="milliseconds"/>
    /// more. Dokan unmounts the volume when a request outlives DOKAN_OPTIONS.Timeout, so every callback that
    /// waits on the network calls this while it waits.
    /// </summary>
    void ResetTimeout(uint milliseconds, ref DOKAN_FILE_INFO info);

    /// <summary>
    /// The Windows user behind the request, as a SID string ("S-1-5-21-…"); null when it cannot be told.
    /// Dokan answers this (DokanOpenRequestorToken) only inside ZwCreateFile.
    /// </summary>
    string? GetRequestorSid(ref DOKAN_FILE_INFO info);

    /// <summary>DokanNotifyCreate. Paths are volume relative ("\dir\name"); the host adds the mount point.</summary>
    void NotifyCreate(string path, bool isDirectory);

    /// <summary>DokanNotifyDelete.</summary>
    void NotifyDelete(string path, bool isDirectory);

    /// <summary>DokanNotifyUpdate: the attributes (size, times, …) of <paramref name="path"/> changed.</summary>
    void NotifyUpdate(string path);

    /// <summary>DokanNotifyRename.</summary>
    void NotifyRename(string oldPath, string newPath, bool isDirectory, bool isInSameDirectory);
}
