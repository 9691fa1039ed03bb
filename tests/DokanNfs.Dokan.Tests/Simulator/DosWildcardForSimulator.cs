namespace DokanNfs.Dokan.Tests.Simulator;

/// <summary>Dokan's own matching when FindFilesWithPattern is not implemented: only "*" is needed by the scenarios.</summary>
internal static class DosWildcardForSimulator
{
    public static bool IsMatch(string pattern, string name) => pattern == "*" || string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase);
}
