using DokanNfs.Cli;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>Issue 8: a conflict (an update not applied over someone else's change) has its own exit code and says why.</summary>
[TestClass]
public sealed class ConflictExitCodeTests
{
    [TestMethod]
    public void A_replay_conflict_and_a_write_conflict_exit_with_9_and_their_own_words()
    {
        var replay = new NfsReplayConflictException(ReplayOperation.Remove, NfsOpnum4.Remove, "/export/f", "the file was written by someone else", "fileid 7 change 10", "fileid 7 change 12");
        var (code, message) = ErrorReporter.Describe(replay, CancellationToken.None);
        Assert.AreEqual(ExitCodes.Conflict, code);
        Assert.Contains("written by someone else", message);

        var write = new NfsWriteConflictException("/export/g", "/export/g (conflict)", copyIsLocal: false, "changed elsewhere", 42);
        (code, message) = ErrorReporter.Describe(write, CancellationToken.None);
        Assert.AreEqual(ExitCodes.Conflict, code);
        Assert.Contains("/export/g (conflict)", message);
    }
}
