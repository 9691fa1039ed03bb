namespace DokanNfs.Dokan.Native;

/// <summary>Numeric constants from dokan.h and public.h (Dokan 2.x).</summary>
public static class DokanConstants
{
    /// <summary>dokan.h DOKAN_VERSION: the feature version put in DOKAN_OPTIONS.Version (200 = 2.0.0).</summary>
    public const ushort DokanVersion = 200;

    /// <summary>dokan.h DOKAN_MINIMUM_COMPATIBLE_VERSION.</summary>
    public const ushort DokanMinimumCompatibleVersion = 200;

    /// <summary>public.h VOLUME_SECURITY_DESCRIPTOR_MAX_SIZE: size of DOKAN_OPTIONS.VolumeSecurityDescriptor.</summary>
    public const int VolumeSecurityDescriptorMaxSize = 1024 * 16;

    /// <summary>windows.h MAX_PATH: length in WCHARs of WIN32_FIND_DATAW.cFileName.</summary>
    public const int MaxPath = 260;

    /// <summary>WIN32_FIND_DATAW.cAlternateFileName length in WCHARs (8.3 name plus terminator).</summary>
    public const int AlternateFileNameLength = 14;

    /// <summary>WIN32_FIND_STREAM_DATA.cStreamName length in WCHARs: MAX_PATH + 36 (":" name ":$DATA").</summary>
    public const int MaxStreamNameLength = MaxPath + 36;

    /// <summary>dokan.h DOKAN_MOUNT_POINT_INFO.UNCName and .DeviceName length in WCHARs.</summary>
    public const int MountPointInfoNameLength = 64;
}
