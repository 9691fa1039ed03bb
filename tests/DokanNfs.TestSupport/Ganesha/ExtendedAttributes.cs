using System.Runtime.InteropServices;
using System.Text;

namespace DokanNfs.TestSupport.Ganesha;

/// <summary>
/// Linux extended attributes on host files, for setting up and checking what the server
/// exports (referrals are directories with a user.fs_location attribute).
/// </summary>
public static class ExtendedAttributes
{
    /// <summary>Sets <paramref name="name"/> to the UTF-8 bytes of <paramref name="value"/> (no terminating NUL).</summary>
    public static void Set(string path, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Set(path, name, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/>, creating or replacing it.</summary>
    public static void Set(string path, string name, byte[] value)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (NativeMethods.SetXattr(path, name, value, (nuint)value.Length, 0) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"setxattr('{path}', '{name}') failed: {NativeMethods.ErrorText(errno)}.");
        }
    }

    /// <summary>The attribute's bytes, or null when the file has no such attribute.</summary>
    public static byte[]? Get(string path, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(name);

        // Ask for the size, then read; retry if the attribute grew in between.
        for (int attempt = 0; attempt < 5; attempt++)
        {
            nint size = NativeMethods.GetXattr(path, name, null, 0);
            if (size < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno == NativeMethods.NoData
                    ? null
                    : throw new IOException($"getxattr('{path}', '{name}') failed: {NativeMethods.ErrorText(errno)}.");
            }

            byte[] buffer = new byte[size];
            nint read = NativeMethods.GetXattr(path, name, buffer, (nuint)buffer.Length);
            if (read >= 0)
            {
                return buffer.AsSpan(0, (int)read).ToArray();
            }

            int readErrno = Marshal.GetLastPInvokeError();
            if (readErrno == NativeMethods.NoData)
            {
                return null;
            }

            if (readErrno != NativeMethods.OutOfRange)
            {
                throw new IOException($"getxattr('{path}', '{name}') failed: {NativeMethods.ErrorText(readErrno)}.");
            }
        }

        throw new IOException($"getxattr('{path}', '{name}') kept changing size.");
    }

    /// <summary>The attribute decoded as UTF-8, or null when the file has no such attribute.</summary>
    public static string? GetString(string path, string name)
    {
        byte[]? value = Get(path, name);
        return value is null ? null : Encoding.UTF8.GetString(value);
    }
}
