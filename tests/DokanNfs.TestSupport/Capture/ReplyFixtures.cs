using System.Text;

namespace DokanNfs.TestSupport.Capture;

/// <summary>A reply record kept as a test fixture: the file it lives in, the step that produced it, what it holds.</summary>
/// <param name="File">The .bin file name, relative to the fixture directory.</param>
/// <param name="Step">The scenario step whose call the reply answers.</param>
/// <param name="Summary">The reply as the COMPOUND walker summarises it ("Ok: PutFh Ok, GetAttr Ok").</param>
/// <param name="Record">The RPC reply message, without record marking.</param>
public sealed record ReplyFixture(string File, string Step, string Summary, byte[] Record);

/// <summary>
/// A directory of reply fixtures: one .bin file per record and index.tsv naming, line by line, each file's
/// step and summary (tab-separated, in capture order). Tests read it; the capture test writes it.
/// </summary>
public static class ReplyFixtures
{
    public const string IndexFileName = "index.tsv";

    public static IReadOnlyList<ReplyFixture> Load(string directory)
    {
        var fixtures = new List<ReplyFixture>();
        foreach (var line in File.ReadAllLines(Path.Combine(directory, IndexFileName)))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length != 3)
            {
                throw new InvalidDataException($"{IndexFileName}: '{line}' is not 'file<TAB>step<TAB>summary'.");
            }

            fixtures.Add(new ReplyFixture(fields[0], fields[1], fields[2], File.ReadAllBytes(Path.Combine(directory, fields[0]))));
        }

        return fixtures;
    }

    /// <summary>Replaces every fixture in <paramref name="directory"/> with <paramref name="fixtures"/>.</summary>
    public static void Save(string directory, IReadOnlyList<ReplyFixture> fixtures, string header)
    {
        ArgumentNullException.ThrowIfNull(fixtures);
        Directory.CreateDirectory(directory);
        foreach (var old in Directory.EnumerateFiles(directory, "*.bin"))
        {
            File.Delete(old);
        }

        var index = new StringBuilder();
        foreach (var headerLine in header.Split('\n'))
        {
            index.Append("# ").Append(headerLine).Append('\n');
        }

        foreach (var fixture in fixtures)
        {
            File.WriteAllBytes(Path.Combine(directory, fixture.File), fixture.Record);
            index.Append(fixture.File).Append('\t').Append(fixture.Step).Append('\t').Append(fixture.Summary).Append('\n');
        }

        File.WriteAllText(Path.Combine(directory, IndexFileName), index.ToString());
    }
}
