using System.Runtime.InteropServices;

namespace DokanNfs.Dokan.Native;

/// <summary>
/// dokan.h DOKAN_HANDLE, as returned by DokanCreateFileSystem. Releasing it calls DokanCloseHandle, which
/// unmounts and waits for the dispatch threads — so no callback runs after release returns.
/// </summary>
public sealed class DokanHandle : SafeHandle
{
    /// <summary>Called by the P/Invoke source generator for the out parameter of DokanCreateFileSystem.</summary>
    public DokanHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        DokanNativeMethods.DokanCloseHandle(handle);
        return true;
    }
}
