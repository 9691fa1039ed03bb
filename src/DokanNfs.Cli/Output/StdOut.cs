using System.Text;

namespace DokanNfs.Cli.Output;

/// <summary>
/// A buffered UTF-8 writer on stdout. Console.Out flushes on every line, which makes a listing of a large
/// tree spend its time in write(2); commands that print much write through this and dispose it at the end.
/// </summary>
internal static class StdOut
{
    public static StreamWriter Open() =>
        new(Console.OpenStandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024) { AutoFlush = false };
}
