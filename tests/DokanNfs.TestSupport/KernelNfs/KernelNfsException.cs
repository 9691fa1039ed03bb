namespace DokanNfs.TestSupport.KernelNfs;

/// <summary>The kernel NFS server could not be started: a prerequisite is missing or the guest failed a step.</summary>
public sealed class KernelNfsException : Exception
{
    public KernelNfsException()
    {
    }

    public KernelNfsException(string message)
        : base(message)
    {
    }

    public KernelNfsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
