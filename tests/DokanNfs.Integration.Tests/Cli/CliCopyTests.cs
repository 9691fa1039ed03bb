using System.Runtime.Versioning;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>cp in both directions, files and trees, checked byte for byte against the export directory.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class CliCopyTests(TestContext testContext) : CliTestBase(testContext)
{
    private const int LargeSize = (20 * 1024 * 1024) + 4321; // not a multiple of any chunk size

    [TestMethod]
    public async Task Cp_uploads_a_large_file_byte_identical_into_a_directory()
    {
        var server = await StartServerAsync();
        var local = Path.Combine(LocalDirectory, "big.bin");
        var bytes = RandomBytes(LargeSize);
        await File.WriteAllBytesAsync(local, bytes, Ct);

        var result = ExpectOk(await RunAsync("cp", local, Url(server)));

        Assert.AreEqual(string.Empty, result.StdOut);
        Assert.DoesNotContain("\r", result.StdErr, "no progress bar when output is redirected");
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(server.PathInExport("big.bin"), Ct));
    }

    [TestMethod]
    public async Task Cp_downloads_a_large_file_byte_identical_to_a_new_name()
    {
        var server = await StartServerAsync();
        var bytes = RandomBytes(LargeSize);
        await File.WriteAllBytesAsync(server.PathInExport("big.bin"), bytes, Ct);
        var local = Path.Combine(LocalDirectory, "copy.bin");

        ExpectOk(await RunAsync("cp", Url(server, "big.bin"), local));

        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(local, Ct));
    }

    [TestMethod]
    public async Task Cp_upload_replaces_a_longer_existing_file()
    {
        var server = await StartServerAsync();
        await File.WriteAllTextAsync(server.PathInExport("f.txt"), "a much longer old content", Ct);
        var local = Path.Combine(LocalDirectory, "f.txt");
        await File.WriteAllTextAsync(local, "new", Ct);

        ExpectOk(await RunAsync("cp", local, Url(server, "f.txt")));

        Assert.AreEqual("new", await File.ReadAllTextAsync(server.PathInExport("f.txt"), Ct));
    }

    [TestMethod]
    public async Task Cp_upload_keeps_the_permission_bits()
    {
        var server = await StartServerAsync();
        var local = Path.Combine(LocalDirectory, "tool.sh");
        await File.WriteAllTextAsync(local, "#!/bin/sh\n", Ct);
        File.SetUnixFileMode(local, (UnixFileMode)Convert.ToInt32("750", 8));

        ExpectOk(await RunAsync("cp", local, Url(server)));

        Assert.AreEqual((UnixFileMode)Convert.ToInt32("750", 8), File.GetUnixFileMode(server.PathInExport("tool.sh")));
    }

    [TestMethod]
    public async Task Cp_download_into_an_existing_directory_keeps_the_name()
    {
        var server = await StartServerAsync();
        await File.WriteAllTextAsync(server.PathInExport("note.txt"), "note", Ct);

        ExpectOk(await RunAsync("cp", Url(server, "note.txt"), LocalDirectory));

        Assert.AreEqual("note", await File.ReadAllTextAsync(Path.Combine(LocalDirectory, "note.txt"), Ct));
    }

    [TestMethod]
    public async Task Cp_r_uploads_a_tree_with_a_symlink()
    {
        var server = await StartServerAsync();
        var tree = Path.Combine(LocalDirectory, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub", "deeper"));
        Directory.CreateDirectory(Path.Combine(tree, "empty"));
        await File.WriteAllTextAsync(Path.Combine(tree, "top.txt"), "top", Ct);
        await File.WriteAllBytesAsync(Path.Combine(tree, "sub", "deeper", "data.bin"), RandomBytes(70_000), Ct);
        File.CreateSymbolicLink(Path.Combine(tree, "sub", "to-top"), "../top.txt");

        ExpectOk(await RunAsync("cp", "-r", tree, Url(server)));

        AssertSameTree(tree, server.PathInExport("tree"));
    }

    [TestMethod]
    public async Task Cp_r_downloads_a_tree_with_a_symlink()
    {
        var server = await StartServerAsync();
        var tree = server.PathInExport("tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub", "deeper"));
        Directory.CreateDirectory(Path.Combine(tree, "empty"));
        await File.WriteAllTextAsync(Path.Combine(tree, "top.txt"), "top", Ct);
        await File.WriteAllBytesAsync(Path.Combine(tree, "sub", "deeper", "data.bin"), RandomBytes(70_000), Ct);
        File.CreateSymbolicLink(Path.Combine(tree, "sub", "to-top"), "../top.txt");
        var destination = Path.Combine(LocalDirectory, "copy");

        ExpectOk(await RunAsync("cp", "-r", Url(server, "tree"), destination));

        AssertSameTree(tree, destination);
    }

    [TestMethod]
    public async Task Cp_of_a_directory_without_r_is_refused()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("d"));

        ExpectError(1, await RunAsync("cp", Url(server, "d"), LocalDirectory), "-r not specified");
        Assert.IsFalse(Directory.Exists(Path.Combine(LocalDirectory, "d")));
        ExpectError(1, await RunAsync("cp", LocalDirectory, Url(server)), "-r not specified");
    }

    [TestMethod]
    public async Task Cp_of_a_missing_source_is_not_found()
    {
        var server = await StartServerAsync();

        ExpectError(3, await RunAsync("cp", Path.Combine(LocalDirectory, "absent"), Url(server)), "No such file or directory");
        ExpectError(3, await RunAsync("cp", Url(server, "absent"), LocalDirectory), "No such file or directory");
    }

    [TestMethod]
    public async Task Cp_shows_a_progress_bar_on_a_terminal()
    {
        var server = await StartServerAsync();
        var local = Path.Combine(LocalDirectory, "big.bin");
        await File.WriteAllBytesAsync(local, RandomBytes(LargeSize), Ct);
        var transcript = Path.Combine(LocalDirectory, "typescript");

        // script(1) gives the child a pseudo-terminal for stdout and stderr and records what it wrote.
        var command = $"'{CliRunner.DotnetHost}' '{CliRunner.CliPath}' cp '{local}' '{Url(server, "up.bin")}'";
        using var script = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("script", ["-q", "-e", "-c", command, transcript])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["DOKANNFS_STATE_DIR"] = Cli.StateDirectory },
        })!;
        script.StandardInput.Close();
        var output = script.StandardOutput.ReadToEndAsync(Ct);
        _ = await script.StandardError.ReadToEndAsync(Ct);
        await script.WaitForExitAsync(Ct);
        await output;

        var recorded = await File.ReadAllTextAsync(transcript, Ct);
        TestContext.WriteLine(recorded);
        Assert.AreEqual(0, script.ExitCode, recorded);
        Assert.MatchesRegex(@"\rbig\.bin \[#{24}\] 100% 20\.0 MiB / 20\.0 MiB", recorded);
        Assert.AreEqual(LargeSize, new FileInfo(server.PathInExport("up.bin")).Length);
    }

    [TestMethod]
    public async Task Runs_at_the_same_time_with_one_state_directory_do_not_expire_each_others_opens()
    {
        var server = await StartServerAsync();
        var bytes = RandomBytes(128 * 1024 * 1024);
        var local = Path.Combine(LocalDirectory, "big.bin");
        await File.WriteAllBytesAsync(local, bytes, Ct);
        await File.WriteAllTextAsync(server.PathInExport("small.txt"), "small", Ct);

        // Each cat OPENs, so each needs a client id; with a shared identity every one of them would make
        // the server drop the upload's open state.
        var upload = RunAsync("cp", local, Url(server, "big.bin"));
        var overlapping = 0;
        while (!upload.IsCompleted)
        {
            var cat = await RunAsync("cat", Url(server, "small.txt"));
            Assert.AreEqual("small", ExpectOk(cat).StdOut);
            overlapping += upload.IsCompleted ? 0 : 1;
        }

        ExpectOk(await upload);
        Assert.IsGreaterThan(0, overlapping, "at least one cat ran while the upload was in progress");
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(server.PathInExport("big.bin"), Ct));
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Same names, same types, same file bytes, same link targets, all the way down.</summary>
    private static void AssertSameTree(string expected, string actual)
    {
        Assert.IsTrue(Directory.Exists(actual), actual);
        var expectedNames = Directory.EnumerateFileSystemEntries(expected).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        var actualNames = Directory.EnumerateFileSystemEntries(actual).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(expectedNames, actualNames, actual);
        foreach (var name in expectedNames)
        {
            var e = new FileInfo(Path.Combine(expected, name!));
            var a = new FileInfo(Path.Combine(actual, name!));
            if (e.LinkTarget is { } target)
            {
                Assert.AreEqual(target, a.LinkTarget, a.FullName);
            }
            else if (e.Attributes.HasFlag(FileAttributes.Directory))
            {
                Assert.IsNull(a.LinkTarget, a.FullName);
                AssertSameTree(e.FullName, a.FullName);
            }
            else
            {
                Assert.IsNull(a.LinkTarget, a.FullName);
                CollectionAssert.AreEqual(File.ReadAllBytes(e.FullName), File.ReadAllBytes(a.FullName), a.FullName);
            }
        }
    }
}
