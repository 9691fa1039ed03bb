namespace DokanNfs.Namespace;

/// <summary>
/// A referral could not be followed: no location answered, or the server's fs_locations were unusable.
/// The message names the trigger point and every server (and address) tried, with why each failed.
/// </summary>
public sealed class NfsReferralException : IOException
{
    public NfsReferralException(string drivePath, string reason, IReadOnlyList<string>? attempts = null, Exception? innerException = null)
        : base(Describe(drivePath, reason, attempts ?? []), innerException)
    {
        DrivePath = drivePath;
        Attempts = attempts ?? [];
    }

    /// <summary>The trigger point.</summary>
    public string DrivePath { get; }

    /// <summary>One line per server address tried: "server (address:port): why it failed".</summary>
    public IReadOnlyList<string> Attempts { get; }

    private static string Describe(string drivePath, string reason, IReadOnlyList<string> attempts) =>
        $"The referral at {drivePath} could not be followed: {reason}" +
        // Reasons are exception messages that often end in a full stop themselves: one at the end, not two.
        (attempts.Count == 0 ? "." : $"; tried {string.Join("; ", attempts)}".TrimEnd('.') + ".");
}
