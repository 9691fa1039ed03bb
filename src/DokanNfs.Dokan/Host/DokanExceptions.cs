using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Host;

/// <summary>Mounting through Dokan failed; the message says why and what to do.</summary>
public class DokanException : Exception
{
    public DokanException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    internal const string InstallAdvice =
        "Install Dokan 2.x (DokanSetup from https://github.com/dokan-dev/dokany/releases installs the library and the driver), then mount again.";
}

/// <summary>dokan2.dll or the Dokan 2.x driver is not there.</summary>
public sealed class DokanNotInstalledException : DokanException
{
    public DokanNotInstalledException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>dokan2.dll could not be loaded, or lacks an export (DllNotFoundException / EntryPointNotFoundException).</summary>
    internal static DokanNotInstalledException LibraryMissing(Exception loadFailure) =>
        new($"Dokan 2.x is not installed: dokan2.dll could not be loaded ({loadFailure.Message.TrimEnd('.')}). {InstallAdvice}", loadFailure);

    /// <summary>DokanDriverVersion answered 0: dokan2.dll could not open the driver's global device.</summary>
    internal static DokanNotInstalledException DriverMissing() =>
        new($"The Dokan 2.x driver is not installed or not running (DokanDriverVersion answered 0). {InstallAdvice} "
            + "If it is installed, restart Windows so the driver loads.");
}

/// <summary>The Dokan library or driver is older than this adapter needs.</summary>
public sealed class DokanVersionException : DokanException
{
    public DokanVersionException(string component, string found, string required)
        : base($"The Dokan {component} is too old (found {found}, need {required} or later). {InstallAdvice}")
    {
        Component = component;
        Found = found;
        Required = required;
    }

    /// <summary>"library" (DokanVersion) or "driver" (DokanDriverVersion).</summary>
    public string Component { get; }

    public string Found { get; }

    public string Required { get; }

    /// <summary>DokanVersion is the library version without dots: 231 is 2.3.1.</summary>
    internal static string LibraryVersionText(uint version) => $"{version / 100}.{version / 10 % 10}.{version % 10}";

    /// <summary>DokanDriverVersion is the driver's interface version (public_version.h DOKAN_DRIVER_VERSION_*), not a release number.</summary>
    internal static string DriverVersionText(uint version) => $"driver interface 0x{version:X}";
}

/// <summary>DokanCreateFileSystem refused the mount (<see cref="DokanMainResult"/>).</summary>
public sealed class DokanMountException : DokanException
{
    public DokanMountException(DokanMainResult result, string mountPoint)
        : base(Describe(result, mountPoint))
    {
        Result = result;
        MountPoint = mountPoint;
    }

    public DokanMainResult Result { get; }

    public string MountPoint { get; }

    /// <summary>What each dokan.h DokanMainResult means for the person mounting, with the native name for searches.</summary>
    internal static string Describe(DokanMainResult result, string mountPoint) => result switch
    {
        DokanMainResult.Error => $"Dokan could not mount {mountPoint} (DOKAN_ERROR, a general error; the Dokan debug log says more).",
        DokanMainResult.DriveLetterError => $"{mountPoint} is not a usable drive letter (DOKAN_DRIVE_LETTER_ERROR).",
        DokanMainResult.DriverInstallError =>
            $"Dokan could not reach its driver while mounting {mountPoint} (DOKAN_DRIVER_INSTALL_ERROR): the Dokan 2.x driver is not installed or not running. {InstallAdvice}",
        DokanMainResult.StartError => $"The Dokan driver refused to start the volume for {mountPoint} (DOKAN_START_ERROR); the Windows event log may say why.",
        DokanMainResult.MountError =>
            $"{mountPoint} could not be assigned (DOKAN_MOUNT_ERROR): the drive letter is already in use, or the folder is not an empty folder on an NTFS volume.",
        DokanMainResult.MountPointError =>
            $"{mountPoint} is not a valid mount point (DOKAN_MOUNT_POINT_ERROR): use a free drive letter or an empty folder on an NTFS volume; a network drive needs a drive letter and a UNC name.",
        DokanMainResult.VersionError =>
            $"The Dokan driver does not match the Dokan library (DOKAN_VERSION_ERROR) while mounting {mountPoint}: reinstall Dokan 2.x so that dokan2.dll and the driver come from one release, and restart Windows.",
        _ => $"Dokan could not mount {mountPoint}: DokanCreateFileSystem answered {(int)result}, which this version does not know.",
    };
}
