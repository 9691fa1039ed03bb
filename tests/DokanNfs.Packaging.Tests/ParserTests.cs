using DokanNfs.Packaging.Tests.Support;

namespace DokanNfs.Packaging.Tests;

/// <summary>The .psd1 parser and the PowerShell scanner the module checks rest on: they read what they should and refuse what they cannot.</summary>
[TestClass]
public sealed class ParserTests
{
    [TestMethod]
    public void Data_file_values_of_every_supported_kind()
    {
        var table = PowerShellDataFile.Parse("""
            # a comment
            @{
              Name = 'it''s' ; Other = "plain"
              List = @('a', 'b'
                'c')
              Bare = 'x', 'y'
              <# block
                 comment #>
              Empty = @()
              Number = -42
              Flag = $True
              Nested = @{ Inner = @{ Tags = @('t') } }
              'Quoted Key' = 1
            }
            """);

        Assert.AreEqual("it's", table["name"], "keys are case-insensitive, '' is a quote");
        Assert.AreEqual("plain", table["Other"]);
        CollectionAssert.AreEqual(new object[] { "a", "b", "c" }, ((IReadOnlyList<object>)table["List"]).ToArray());
        CollectionAssert.AreEqual(new object[] { "x", "y" }, ((IReadOnlyList<object>)table["Bare"]).ToArray());
        Assert.IsEmpty((IReadOnlyList<object>)table["Empty"]);
        Assert.AreEqual(-42L, table["Number"]);
        Assert.AreEqual(true, table["Flag"]);
        var inner = (IReadOnlyDictionary<string, object>)((IReadOnlyDictionary<string, object>)table["Nested"])["Inner"];
        CollectionAssert.AreEqual(new object[] { "t" }, ((IReadOnlyList<object>)inner["Tags"]).ToArray());
        Assert.AreEqual(1L, table["Quoted Key"]);
    }

    [TestMethod]
    [DataRow("@{ A = 'x' ", "line 1: ")]
    [DataRow("@{\n  A = 'x'\n  A = 'y'\n}", "line 3: the key 'A' appears twice")]
    [DataRow("@{ A = \"$env:USERNAME\" }", "would be expanded")]
    [DataRow("@{ A = $env:X }", "only $true and $false")]
    [DataRow("@{ A = 'x' B = 'y' }", "must end with a newline")]
    [DataRow("@{ A = @(@('x')) }", "arrays inside arrays")]
    [DataRow("@{ A = 'x\n}", "line 1: the string is not closed")]
    [DataRow("@{ A = 'x' } extra", "nothing may follow")]
    [DataRow("'x'", "starting with '@{'")]
    [DataRow("@{ A = Get-Date }", "a value expected")]
    public void Data_file_parser_refuses_what_it_does_not_know_naming_the_line(string text, string message)
    {
        var error = Assert.ThrowsExactly<FormatException>(() => PowerShellDataFile.Parse(text));

        Assert.Contains(message, error.Message);
    }

    [TestMethod]
    public void Scanner_blanks_comments_and_strings_and_finds_functions_help_and_parameters()
    {
        var source = PowerShellSource.Parse("""
            # } a brace in a comment
            function Get-Thing {
                <#
                .SYNOPSIS
                Gets (a thing.
                #>
                [CmdletBinding()]
                param([Parameter(Mandatory)] [string] $Name, [int] $Count = 2)
                $x = 'a ''{'' brace'
                $y = "sub $(Get-Other -Value ')') and `" quote"
                @'
            a } here-string
            '@
            }
            """);

        var function = source.Functions.Single();
        Assert.AreEqual("Get-Thing", function.Name);
        Assert.AreEqual("Get", function.Verb);
        Assert.Contains(".SYNOPSIS", function.Help!);
        CollectionAssert.AreEqual(new[] { "Name", "Count" }, function.Parameters.ToArray());
        Assert.DoesNotContain("brace", source.Code);
        Assert.Contains("Get-Other", source.Code, "code inside $( ) stays code");
        CollectionAssert.IsSubsetOf(new[] { "a '{' brace", ")", "a } here-string" }, source.Strings.Select(s => s.Value).ToArray());
        Assert.AreEqual(source.Text.Length, source.Code.Length);
    }

    [TestMethod]
    [DataRow("function Get-A {\n  if ($x) {\n}\n", "line 1: a bracket opened here is never closed with '}'")]
    [DataRow("$a = @(1, 2]\n", "line 1: ']' where ')' was expected")]
    [DataRow("$a = 1\n}\n", "line 2: '}' closes nothing")]
    [DataRow("$a = 'open\n", "line 1: the ' string is not closed")]
    [DataRow("$a = \"open $(Get-A)\n", "line 1: the \" string is not closed")]
    [DataRow("<# never closed\n", "the <# comment is not closed")]
    [DataRow("$a = @'\nno end\n", "here-string is not closed")]
    public void Scanner_refuses_unbalanced_scripts_naming_the_line(string text, string message)
    {
        var error = Assert.ThrowsExactly<FormatException>(() => PowerShellSource.Parse(text));

        Assert.Contains(message, error.Message);
    }
}
