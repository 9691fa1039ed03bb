namespace DokanNfs.TestSupport.Ganesha;

/// <summary>
/// An exclusive lock on a file, held by this process until disposed or until the process dies.
/// .NET takes flock(LOCK_EX | LOCK_NB) for FileShare.None on Linux, and flock belongs to the
/// open file, so the lock excludes other threads of this process as well as other test
/// processes, and the kernel drops it when a test process crashes.
/// </summary>
internal sealed class CrossProcessLock : IDisposable
{
    /// <summary>Shared by every DokanNfs test process on the machine; keep it outside any test directory.</summary>
    public const string Directory = "/tmp/dokannfs-test-addrs";

    private CrossProcessLock(FileStream stream)
    {
        Stream = stream;
    }

    /// <summary>The locked file, open for reading and writing.</summary>
    public FileStream Stream { get; }

    /// <summary>Takes the lock on <paramref name="name"/> in <see cref="Directory"/>, or returns null if someone holds it.</summary>
    public static CrossProcessLock? TryAcquire(string name)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = Path.Combine(Directory, name);
        try
        {
            return new CrossProcessLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Held by another thread or process; the lock files themselves are never deleted,
            // because deleting a lock file races with someone locking it.
            return null;
        }
    }

    /// <summary>Waits (polling) until the lock on <paramref name="name"/> is free and takes it.</summary>
    public static CrossProcessLock Acquire(string name, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            CrossProcessLock? acquired = TryAcquire(name);
            if (acquired is not null)
            {
                return acquired;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Could not lock {Path.Combine(Directory, name)} within {timeout.TotalSeconds} s.");
            }

            Thread.Sleep(5);
        }
    }

    public void Dispose() => Stream.Dispose();
}
