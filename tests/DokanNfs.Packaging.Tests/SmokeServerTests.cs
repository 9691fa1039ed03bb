using System.Diagnostics;
using System.Text.RegularExpressions;
using DokanNfs.Packaging.Tests.Support;

namespace DokanNfs.Packaging.Tests;

/// <summary>
/// The Windows workflow maps a drive from tests/DokanNfs.SmokeServer; here, dokannfs reads from that same
/// server the listing and the file the smoke test checks, so a failure there is the drive's, not the server's.
/// </summary>
[TestClass]
public sealed class SmokeServerTests(TestContext testContext)
{
    [TestMethod]
    public async Task Dokannfs_lists_and_reads_what_the_smoke_server_serves()
    {
        var start = new ProcessStartInfo(ChildProcess.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Repository.SmokeServerPath);
        start.ArgumentList.Add("0");
        using var server = Process.Start(start) ?? throw new InvalidOperationException("the smoke server did not start");
        var state = Directory.CreateTempSubdirectory("dokannfs-smoke-").FullName;
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync(testContext.CancellationToken).AsTask().WaitAsync(TimeSpan.FromMinutes(1), testContext.CancellationToken);
            var url = Regex.Match(ready ?? string.Empty, @"^Serving (nfs://127\.0\.0\.1:\d+/export)$").Groups[1].Value;
            Assert.IsFalse(string.IsNullOrEmpty(url), $"the server's first line: '{ready}'");

            var listing = await ChildProcess.RunCliAsync(state, testContext.CancellationToken, "ls", "-R", url);
            var hello = await ChildProcess.RunCliAsync(state, testContext.CancellationToken, "cat", url + "/hello.txt");

            Assert.AreEqual(0, listing.ExitCode, listing.ToString());
            Assert.AreEqual("/export:\ndocs\nhello.txt\n\n/export/docs:\nreadme.txt\n", listing.StdOut.ReplaceLineEndings("\n"), listing.ToString());
            Assert.AreEqual(0, hello.ExitCode, hello.ToString());
            Assert.AreEqual("Hello from DokanNfs\n", hello.StdOut, "the bytes the workflow compares Z:\\hello.txt with");
            Assert.Contains("Hello from DokanNfs`n", Repository.ReadText(".github/workflows/windows.yml"));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
            Directory.Delete(state, recursive: true);
        }
    }
}
