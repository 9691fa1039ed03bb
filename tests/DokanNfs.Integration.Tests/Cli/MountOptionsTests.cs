using DokanNfs.Cli;
using DokanNfs.Cli.Mounting;
using DokanNfs.Core.Client;
using DokanNfs.Dokan.Security;
using DokanNfs.Namespace;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>-o text into typed options, mount points, and the client/namespace/adapter options a request builds. No server.</summary>
[TestClass]
public sealed class MountOptionsTests
{
    [TestMethod]
    public void Every_key_reaches_its_option()
    {
        var o = MountOptionParser.Apply(new MountOptions(),
            "vers=4.0,sec=sys,port=20490,rsize=65536,wsize=32768,timeo=12.5,retrans=3,soft,ro,uid=1000,gid=100,caseinsensitive,referrals=allow:a.example;10.0.0.2,label=My Drive",
            "-o");

        Assert.AreEqual(NfsVersion.V40, o.Version);
        Assert.AreEqual(20490, o.Port);
        Assert.AreEqual(65536u, o.ReadSize);
        Assert.AreEqual(32768u, o.WriteSize);
        Assert.AreEqual(TimeSpan.FromSeconds(12.5), o.Timeout);
        Assert.AreEqual(3, o.Retransmissions);
        Assert.AreEqual(NfsMountType.Soft, o.MountType);
        Assert.IsTrue(o.ReadOnly);
        Assert.AreEqual(1000u, o.Uid);
        Assert.AreEqual(100u, o.Gid);
        Assert.IsTrue(o.CaseInsensitive);
        Assert.AreEqual("allow:a.example;10.0.0.2", MountOptionParser.FormatReferrals(o.Referrals));
        Assert.AreEqual("My Drive", o.Label);
        Assert.AreEqual(TimeSpan.FromSeconds(50), o.SoftTimeout, "timeo × (retrans + 1)");
    }

    [TestMethod]
    [DataRow("timeout=7", "timeo=7")]
    [DataRow("retry=4", "retrans=4")]
    [DataRow("mtype=soft", "soft")]
    [DataRow("mtype=hard", "hard")]
    [DataRow("casesensitive=no", "caseinsensitive")]
    [DataRow("caseinsensitive=no", "casesensitive")]
    [DataRow("nfsvers=4", "vers=4.0")]
    [DataRow("referrals=all", "referrals=follow")]
    [DataRow("anonuid=5,anongid=6", "uid=5,gid=6")]
    [DataRow(" RO , Hard ", "ro,hard")]
    [DataRow("nodeleg", "nodeleg")]
    [DataRow("nodeleg,deleg", "deleg")]
    public void Aliases_mean_the_same(string alias, string canonical)
    {
        Assert.AreEqual(MountOptionParser.Apply(new MountOptions(), canonical, "-o"), MountOptionParser.Apply(new MountOptions(), alias, "-o"));
    }

    [TestMethod]
    [DataRow("vers=4.0", NfsVersion.V40)]
    [DataRow("nfsvers=4", NfsVersion.V40)]
    [DataRow("vers=4.1", NfsVersion.V41)]
    [DataRow("vers=auto", NfsVersion.Auto)]
    [DataRow("vers=AUTO", NfsVersion.Auto)]
    public void Vers_chooses_the_client_version_and_is_shown_as_given(string text, NfsVersion version)
    {
        var o = MountOptionParser.Apply(new MountOptions(), text, "-o");

        Assert.AreEqual(version, o.Version);
        Assert.StartsWith("vers=" + (version switch { NfsVersion.V41 => "4.1", NfsVersion.Auto => "auto", _ => "4.0" }) + ",", o.ToOptionString(2049));
        Assert.AreEqual(version, MountOptionParser.Apply(new MountOptions(), o.ToOptionString(2049), "-o").Version, "parses back to the same");
    }

    [TestMethod]
    public void A_later_key_wins_as_with_mount()
    {
        var o = MountOptionParser.Apply(new MountOptions(), "ro,soft,rw,hard,timeo=5,timeo=9", "-o");

        Assert.IsFalse(o.ReadOnly);
        Assert.AreEqual(NfsMountType.Hard, o.MountType);
        Assert.AreEqual(TimeSpan.FromSeconds(9), o.Timeout);
    }

    [TestMethod]
    public void Defaults_are_a_hard_read_write_case_sensitive_mount_following_referrals()
    {
        var o = new MountOptions();

        Assert.AreEqual(
            "vers=auto,sec=sys,port=2049,rsize=1048576,wsize=1048576,timeo=30,retrans=1,mtype=hard,rw,casesensitive,referrals=follow,deleg",
            o.ToOptionString(2049));
        Assert.AreEqual(TimeSpan.FromSeconds(60), o.SoftTimeout);
    }

    [TestMethod]
    public void The_option_string_parses_back_to_the_same_options()
    {
        var o = MountOptionParser.Apply(new MountOptions(), "port=1234,soft,ro,uid=7,gid=8,caseinsensitive,referrals=none,label=X,timeo=0.5", "-o");

        Assert.AreEqual(o, MountOptionParser.Apply(new MountOptions(), o.ToOptionString(2049), "-o"));
        Assert.AreEqual(MountOptions.MaxTransferSize, o.ReadSize);
    }

    [TestMethod]
    [DataRow("bogus", "-o: unknown mount option 'bogus'")]
    [DataRow("bogus=1", "-o: unknown mount option 'bogus'")]
    [DataRow("port=0", "-o: port=0 is not a whole number from 1 to 65535")]
    [DataRow("port=http", "-o: port=http")]
    [DataRow("wsize=2000000", "-o: wsize=2000000")]
    [DataRow("retrans=-1", "-o: retrans=-1")]
    [DataRow("timeo=0", "-o: timeo=0 is not a number of seconds")]
    [DataRow("vers=3", "-o: vers=3: NFS version '3' is not supported: use 4.0, 4.1 or auto.")]
    [DataRow("sec=krb5p", "-o: sec=krb5p is not supported: only sec=sys")]
    [DataRow("referrals=allow:", "-o: referrals=allow:")]
    [DataRow("soft=yes", "-o: mount option 'soft' takes no value")]
    [DataRow("label=", "-o: mount option 'label' needs a value")]
    [DataRow("label=abcdefghijklmnopqrstuvwxyz0123456789", "-o: label 'abcdefghijklmnopqrstuvwxyz0123456789' must be 1 to 32 characters.")]
    [DataRow("casesensitive=maybe", "-o: casesensitive=maybe: use yes or no.")]
    [DataRow("uid=-1", "-o: uid=-1")]
    public void Mistakes_are_bad_arguments_naming_the_source_and_key(string text, string message)
    {
        var ex = Assert.Throws<CliException>(() => MountOptionParser.Apply(new MountOptions(), text, "-o"));

        Assert.AreEqual(ExitCodes.BadArguments, ex.ExitCode);
        Assert.StartsWith(message, ex.Message);
    }

    [TestMethod]
    [DataRow("z", "Z:", true)]
    [DataRow("Z:", "Z:", true)]
    [DataRow("z:\\", "Z:", true)]
    [DataRow("Q:/", "Q:", true)]
    [DataRow("/mnt/nfs/", "/mnt/nfs", false)]
    public void Mount_points_are_drive_letters_or_folders(string text, string expected, bool isDriveLetter)
    {
        var point = MountPoint.Parse(text, "mount point");

        Assert.AreEqual(expected, point.Text);
        Assert.AreEqual(isDriveLetter, point.IsDriveLetter);
        Assert.IsTrue(point.SameAs(MountPoint.Parse(point.Text, "mount point")));
    }

    [TestMethod]
    [DataRow("", "a mount point is required")]
    [DataRow("1:", "'1:' is not a drive letter")]
    [DataRow("/", "is the root of a volume")]
    [DataRow("--oops", "unknown option '--oops'")]
    public void Bad_mount_points_are_bad_arguments(string text, string message)
    {
        var ex = Assert.Throws<CliException>(() => MountPoint.Parse(text, "mount point"));

        Assert.Contains(message, ex.Message);
        Assert.AreEqual(ExitCodes.BadArguments, ex.ExitCode);
    }

    [TestMethod]
    public void A_request_settles_url_keys_then_global_flags_then_o()
    {
        var request = MountRequest.Create("nfs://server:2050/export/a/?uid=1&gid=2", "Z:", "gid=20", null, "command line", o => o with { Uid = 10 });

        Assert.AreEqual(2050, request.Port);
        Assert.AreEqual(10u, request.Options.Uid, "the flag wins over ?uid=");
        Assert.AreEqual(20u, request.Options.Gid, "-o wins over everything");
        Assert.AreEqual("/export/a", request.Export);
        Assert.AreEqual("nfs://server:2050/export/a", request.DisplayUrl);
    }

    [TestMethod]
    public void A_request_builds_client_namespace_and_adapter_options()
    {
        var user = new UserMapping(Sid.Parse("S-1-5-21-1-2-3-1001"), new NfsIdentity(1000, 1000));
        var identity = new IdentityMap { Users = [user], AnonymousUid = 65000, AnonymousGid = 65001 };
        var request = MountRequest.Create("server:/export", "Z:", "vers=auto,soft,ro,timeo=4,retrans=2,rsize=65536,wsize=131072,gid=77,caseinsensitive,referrals=none", "Team", "command line");

        using var clientIdentity = ClientIdentity.Create();
        var client = request.ClientOptions(identity, clientIdentity);
        var ns = request.NamespaceOptions(2049);
        var adapter = request.AdapterOptions(identity);

        Assert.AreEqual(NfsVersion.Auto, client.Version, "vers= reaches the client");
        Assert.AreEqual(NfsMountType.Soft, client.Mount);
        Assert.AreEqual(TimeSpan.FromSeconds(4), client.CallTimeout);
        Assert.AreEqual(TimeSpan.FromSeconds(12), client.SoftTimeout);
        Assert.AreEqual(65536u, client.MaxReadSize);
        Assert.AreEqual(131072u, client.MaxWriteSize);
        Assert.AreEqual("server", client.ServerName);
        Assert.AreSame(clientIdentity, client.Identity);
        Assert.AreEqual(DokanNfs.Core.Rpc.RpcCredential.Sys(65000, 77).ToString(), client.Credential.ToString(), "uid from the anonymous id, gid from -o");
        Assert.IsTrue(ns.ReadOnly);
        Assert.AreSame(ReferralPolicy.None, ns.ReferralPolicy);
        Assert.AreEqual(TimeSpan.FromSeconds(4), ns.ProbeTimeout);
        Assert.AreEqual("Team", adapter.VolumeLabel);
        Assert.IsTrue(adapter.ReadOnly);
        Assert.IsTrue(adapter.CaseInsensitive);
        Assert.IsTrue(adapter.MapRequesters, "a configured user means requests are mapped per Windows user");
        Assert.AreEqual(77u, adapter.Identity.AnonymousGid);
        Assert.AreEqual(65000u, adapter.Identity.AnonymousUid);
        Assert.HasCount(1, adapter.Identity.Users);
    }
}
