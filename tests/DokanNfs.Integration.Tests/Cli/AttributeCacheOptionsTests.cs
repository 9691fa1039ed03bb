using DokanNfs.Cli;
using DokanNfs.Cli.Mounting;
using DokanNfs.Core.Client;
using DokanNfs.Dokan.Security;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>The attribute-cache mount options of nfs(5) — acregmin, acregmax, acdirmin, acdirmax, actimeo, noac — from -o text to the client. No server.</summary>
[TestClass]
public sealed class AttributeCacheOptionsTests
{
    [TestMethod]
    public void Defaults_are_linuxs_and_are_not_spelled_out()
    {
        var o = new MountOptions();

        Assert.AreEqual((3, 60, 30, 60), Seconds(o));
        Assert.DoesNotContain("ac", o.ToOptionString(2049), "the usual option string stays as it was");
    }

    [TestMethod]
    [DataRow("acregmin=1,acregmax=2,acdirmin=3,acdirmax=4", 1, 2, 3, 4)]
    [DataRow("actimeo=7", 7, 7, 7, 7)]
    [DataRow("noac", 0, 0, 0, 0)]
    [DataRow("noac,acdirmax=9", 0, 0, 0, 9)]
    [DataRow("actimeo=5,acregmin=1", 1, 5, 5, 5)]
    public void Each_key_sets_its_times_and_the_later_wins(string text, int regMin, int regMax, int dirMin, int dirMax)
    {
        var o = MountOptionParser.Apply(new MountOptions(), text, "-o");

        Assert.AreEqual((regMin, regMax, dirMin, dirMax), Seconds(o));
        Assert.AreEqual(Seconds(o), Seconds(MountOptionParser.Apply(new MountOptions(), o.ToOptionString(2049), "-o")), "the option string parses back");
    }

    [TestMethod]
    [DataRow("acregmin=-1", "-o: acregmin=-1 is not a whole number from 0 to 3600")]
    [DataRow("acdirmax=3601", "-o: acdirmax=3601 is not a whole number from 0 to 3600")]
    [DataRow("actimeo=1.5", "-o: actimeo=1.5 is not a whole number from 0 to 3600")]
    [DataRow("acregmax", "-o: mount option 'acregmax' needs a value")]
    [DataRow("noac=1", "-o: mount option 'noac' takes no value")]
    public void Bad_values_are_refused_naming_the_key(string text, string message)
    {
        var error = Assert.ThrowsExactly<CliException>(() => MountOptionParser.Apply(new MountOptions(), text, "-o"));

        Assert.Contains(message, error.Message);
    }

    [TestMethod]
    [DataRow(null, null, DisplayName = "unset: the client's default for the version")]
    [DataRow("nconnect=1", 1)]
    [DataRow("nconnect=2", 2)]
    [DataRow("nconnect=4", 4)]
    public void Nconnect_sets_the_read_connections_and_reaches_the_client(string? text, int? connections)
    {
        var request = MountRequest.Create("server:/export", "Z:", text, null, "command line");
        using var clientIdentity = ClientIdentity.Create();

        Assert.AreEqual(connections, request.ClientOptions(new IdentityMap(), clientIdentity).ReadConnections);
        Assert.AreEqual(connections is not null, request.Options.ToOptionString(2049).Contains("nconnect", StringComparison.Ordinal), "spelled out only when given");
    }

    [TestMethod]
    [DataRow("nconnect=0", "-o: nconnect=0 is not a whole number from 1 to 4")]
    [DataRow("nconnect=5", "-o: nconnect=5 is not a whole number from 1 to 4")]
    public void Nconnect_out_of_range_is_refused(string text, string message)
    {
        var error = Assert.ThrowsExactly<CliException>(() => MountOptionParser.Apply(new MountOptions(), text, "-o"));

        Assert.Contains(message, error.Message);
    }

    [TestMethod]
    public void The_times_reach_the_client()
    {
        var request = MountRequest.Create("server:/export", "Z:", "acregmin=1,acregmax=2,acdirmin=3,acdirmax=4", null, "command line");

        using var clientIdentity = ClientIdentity.Create();
        var client = request.ClientOptions(new IdentityMap(), clientIdentity);

        Assert.AreEqual(TimeSpan.FromSeconds(1), client.AcRegMin);
        Assert.AreEqual(TimeSpan.FromSeconds(2), client.AcRegMax);
        Assert.AreEqual(TimeSpan.FromSeconds(3), client.AcDirMin);
        Assert.AreEqual(TimeSpan.FromSeconds(4), client.AcDirMax);
    }

    private static (int, int, int, int) Seconds(MountOptions o) =>
        ((int)o.AcRegMin.TotalSeconds, (int)o.AcRegMax.TotalSeconds, (int)o.AcDirMin.TotalSeconds, (int)o.AcDirMax.TotalSeconds);
}
