using System.Net;
using System.Net.Sockets;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;
using DokanNfs.TestSupport.FakeNfs;

namespace DokanNfs.Integration.Tests.Namespace;

/// <summary>
/// Following a referral whose fs_locations name several locations (the seed's "list of referrals,
/// failover" and "host/node name and IP address resolution"), with scripted fake servers instead of
/// Ganesha: the origin refers /export/ref elsewhere; targets listen on distinct loopback addresses
/// (127.0.0.N, [::1]) on one port, which <see cref="NamespaceOptions.ReferralPort"/> points every
/// address at, and a fake <see cref="IHostResolver"/> names hosts no DNS knows.
/// </summary>
[TestClass]
public sealed class ReferralFailoverTests : FakeNamespaceTestBase
{
    private static readonly IPAddress TargetAddress = IPAddress.Parse("127.0.0.2");

    /// <summary>Loopback addresses nothing listens on (Linux answers all of 127/8): refused at once.</summary>
    private static readonly IPAddress Dead1 = IPAddress.Parse("127.0.0.3");
    private static readonly IPAddress Dead2 = IPAddress.Parse("127.0.0.4");
    private static readonly IPAddress Dead3 = IPAddress.Parse("127.0.0.5");

    [TestMethod]
    public async Task Locations_servers_and_addresses_are_tried_in_order_until_one_answers()
    {
        var target = await StartTargetAsync(TargetAddress);
        var port = target.EndPoint.Port;
        var resolver = new FakeResolver
        {
            ["nowhere.test"] = null, // throws, as DNS does for an unknown name
            ["empty.test"] = [],
            ["twin.test"] = [Dead2, TargetAddress],
        };
        var origin = await StartOriginAsync(new FsLocations4(
            ["export", "ref"],
            [
                new FsLocation4(["nowhere.test", "empty.test"], ["vol"]),
                new FsLocation4([Dead1.ToString()], ["vol"]),
                new FsLocation4(["twin.test"], ["vol"]),
                new FsLocation4(["never.test"], ["vol"]),
            ]));
        var fs = await MountAsync(origin, port, resolver);

        var attrs = await fs.GetAttributesAsync("/ref/hello.txt", Ct);

        Assert.AreEqual(5ul, attrs.Size);
        Assert.AreEqual(1, fs.GraftCount);
        var mount = fs.Tree.MountAt("/ref");
        Assert.IsNotNull(mount);
        Assert.AreEqual(new IPEndPoint(TargetAddress, port), mount.Server, "grafted on twin.test's second address");
        Assert.AreEqual("/vol", mount.ExportPath);
        CollectionAssert.AreEqual(
            new[] { "nowhere.test", "empty.test", Dead1.ToString(), "twin.test" },
            resolver.Asked.ToArray(),
            "in the server's order, and no further than the first that answered");
        Assert.HasCount(2, fs.Tree.Mounts, "no mount (and no client kept) for the failed addresses");
        Assert.IsEmpty(origin.Errors, string.Join(Environment.NewLine, origin.Errors));
        Assert.IsEmpty(target.Errors, string.Join(Environment.NewLine, target.Errors));
    }

    [TestMethod]
    public async Task When_every_location_fails_the_error_lists_each_attempt_in_order_with_its_reason()
    {
        var target = await StartTargetAsync(TargetAddress);
        var port = target.EndPoint.Port;
        var resolver = new FakeResolver
        {
            ["nowhere.test"] = null,
            ["empty.test"] = [],
            ["twin.test"] = [Dead2, Dead3],
        };
        var origin = await StartOriginAsync(new FsLocations4(
            ["export", "ref"],
            [
                new FsLocation4(["nowhere.test", "empty.test"], ["vol"]),
                new FsLocation4([Dead1.ToString()], ["vol"]),
                new FsLocation4(["twin.test"], ["vol"]),
                new FsLocation4([TargetAddress.ToString()], ["no", "such", "path"]),
            ]));
        var fs = await MountAsync(origin, port, resolver);

        var ex = await Assert.ThrowsExactlyAsync<NfsReferralException>(async () => await fs.OpenAsync("/ref/hello.txt", OpenRequest.ForRead, Ct));

        TestContext.WriteLine(ex.Message);
        Assert.AreEqual("/ref", ex.DrivePath);
        Assert.HasCount(6, ex.Attempts);
        StringAssert.StartsWith(ex.Attempts[0], "nowhere.test: name not resolved");
        StringAssert.StartsWith(ex.Attempts[1], "empty.test: name has no addresses");
        StringAssert.StartsWith(ex.Attempts[2], $"{Dead1} ({Dead1}:{port}): ");
        StringAssert.StartsWith(ex.Attempts[3], $"twin.test ({Dead2}:{port}): ");
        StringAssert.StartsWith(ex.Attempts[4], $"twin.test ({Dead3}:{port}): ");
        StringAssert.StartsWith(ex.Attempts[5], $"{TargetAddress} ({TargetAddress}:{port}): ");
        foreach (var dead in ex.Attempts.Skip(2).Take(3))
        {
            StringAssert.Contains(dead, "ConnectionRefused", "a dead address says why");
        }

        StringAssert.Contains(ex.Attempts[5], "NoEnt", "the live server's reason is the failed walk");
        Assert.DoesNotContain("..", ex.Message, "one full stop at the end, however the last reason ends");
        foreach (var attempt in ex.Attempts)
        {
            Assert.Contains(attempt, ex.Message, "the message names every attempt");
        }

        Assert.AreEqual(0, fs.GraftCount);
        Assert.HasCount(1, fs.Tree.Mounts);

        // The rest of the drive keeps working, and the point still shows synthesized attributes.
        Assert.AreEqual(1ul, (await fs.GetAttributesAsync("/a.txt", Ct)).Size);
        Assert.AreEqual(NamespaceFileSystem.TriggerPointMode, (await fs.GetAttributesAsync("/ref", Ct)).Mode);
    }

    [TestMethod]
    public async Task An_unresolvable_name_is_named_in_the_error_and_the_drive_keeps_working()
    {
        var resolver = new FakeResolver { ["gone.example.test"] = null };
        var origin = await StartOriginAsync(new FsLocations4(["export", "ref"], [new FsLocation4(["gone.example.test"], ["vol"])]));
        var fs = await MountAsync(origin, NamespaceOptions.NfsPort, resolver);

        var ex = await Assert.ThrowsExactlyAsync<NfsReferralException>(async () => await fs.CreateDirectoryAsync("/ref/d", null, Ct));

        Assert.Contains("gone.example.test", ex.Message);
        Assert.Contains("/ref", ex.Message);
        Assert.HasCount(1, ex.Attempts);
        StringAssert.StartsWith(ex.Attempts[0], "gone.example.test: name not resolved");
        Assert.AreEqual(0, fs.GraftCount);
        Assert.AreEqual(1ul, (await fs.GetAttributesAsync("/a.txt", Ct)).Size);
    }

    [TestMethod]
    public async Task An_ipv6_literal_server_is_parsed_and_grafted_on_the_loopback()
    {
        // The real resolver: a literal needs no DNS. Both spellings fs_locations may carry.
        var target = await StartTargetAsync(IPAddress.IPv6Loopback);
        var port = target.EndPoint.Port;
        var origin = await StartOriginAsync(new FsLocations4(
            ["export", "ref"],
            [new FsLocation4([Dead1.ToString()], ["vol"]), new FsLocation4(["[::1]", "::1"], ["vol"])]));
        var fs = await MountAsync(origin, port, DnsHostResolver.Instance);

        var entries = new List<string>();
        await foreach (var entry in fs.ListAsync("/ref", Ct))
        {
            entries.Add(entry.Name);
        }

        CollectionAssert.AreEqual(new[] { "hello.txt" }, entries);
        Assert.AreEqual(new IPEndPoint(IPAddress.IPv6Loopback, port), fs.Tree.MountAt("/ref")?.Server);
        Assert.AreEqual(1, target.Rpc.AcceptedConnections, "reached over IPv6: the target listens on [::1] only");
    }

    [TestMethod]
    public async Task A_name_goes_through_the_system_resolver_and_its_loopback_address_answers()
    {
        // "localhost" through DNS (the hosts file): whatever it yields first ([::1] may come first and
        // nothing listens there on this port), the IPv4 loopback where the target listens is reached.
        var target = await StartTargetAsync(IPAddress.Loopback);
        var port = target.EndPoint.Port;
        var origin = await StartOriginAsync(new FsLocations4(["export", "ref"], [new FsLocation4(["localhost"], ["vol"])]));
        var fs = await MountAsync(origin, port, DnsHostResolver.Instance);

        var attrs = await fs.GetAttributesAsync("/ref/hello.txt", Ct);

        Assert.AreEqual(5ul, attrs.Size);
        Assert.AreEqual(new IPEndPoint(IPAddress.Loopback, port), fs.Tree.MountAt("/ref")?.Server);
    }

    [TestMethod]
    public async Task An_ipv6_literal_that_nothing_answers_is_named_in_brackets()
    {
        var port = FreePort(IPAddress.IPv6Loopback);
        var origin = await StartOriginAsync(new FsLocations4(["export", "ref"], [new FsLocation4(["::1"], ["vol"])]));
        var fs = await MountAsync(origin, port, DnsHostResolver.Instance);

        var ex = await Assert.ThrowsExactlyAsync<NfsReferralException>(async () => await fs.OpenAsync("/ref/x", OpenRequest.ForRead, Ct));

        Assert.HasCount(1, ex.Attempts);
        StringAssert.StartsWith(ex.Attempts[0], $"::1 ([::1]:{port}): ");
    }

    [TestMethod]
    public async Task An_fs_root_other_than_the_referral_point_is_refused_and_nothing_is_grafted()
    {
        var target = await StartTargetAsync(TargetAddress);
        var resolver = new FakeResolver();
        var origin = await StartOriginAsync(new FsLocations4(["export", "elsewhere"], [new FsLocation4([TargetAddress.ToString()], ["vol"])]));
        var fs = await MountAsync(origin, target.EndPoint.Port, resolver);

        var ex = await Assert.ThrowsExactlyAsync<NfsReferralException>(async () => await fs.GetAttributesAsync("/ref/hello.txt", Ct));

        Assert.AreEqual("/ref", ex.DrivePath);
        Assert.Contains("fs_root /export/elsewhere", ex.Message);
        Assert.Contains("/export/ref", ex.Message);
        Assert.IsEmpty(ex.Attempts, "no location was tried");
        Assert.IsEmpty(resolver.Asked);
        Assert.AreEqual(0, target.Rpc.AcceptedConnections, "the target was never contacted");
        Assert.AreEqual(0, fs.GraftCount);
        Assert.HasCount(1, fs.Tree.Mounts);
    }

    /// <summary>The origin: /export holds a.txt and the referral /export/ref.</summary>
    private async Task<FakeNfsServer> StartOriginAsync(FsLocations4 locations)
    {
        var origin = Track(await FakeNfsServer.StartAsync());
        origin.CreateFile("/export/a.txt", "a"u8);
        origin.AddReferral("/export/ref", locations);
        return origin;
    }

    /// <summary>A target exporting /vol with hello.txt, on <paramref name="address"/> and a free port.</summary>
    private async Task<FakeNfsServer> StartTargetAsync(IPAddress address)
    {
        var target = Track(await FakeNfsServer.StartAsync(new FakeNfsServerOptions { ExportName = "vol" }, new IPEndPoint(address, 0)));
        target.CreateFile("/vol/hello.txt", "hello"u8);
        return target;
    }

    private async Task<NamespaceFileSystem> MountAsync(FakeNfsServer origin, int referralPort, IHostResolver resolver)
    {
        var client = Track(new NfsClient(origin.EndPoint, FastOptions with { Identity = ClientIdentity.Create() }));
        var options = new NamespaceOptions { ReferralPort = referralPort, HostResolver = resolver, ProbeTimeout = TimeSpan.FromSeconds(10) };
        return Track(await NamespaceFileSystem.MountAsync(client, origin.EndPoint, "/export", options, Ct));
    }


    private static int FreePort(IPAddress address)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>
    /// Names no DNS knows: a name mapped to null throws as an unknown name does; unmapped address literals
    /// go to the real resolver; anything else unmapped is a test mistake. Records what it was asked, in order.
    /// </summary>
    private sealed class FakeResolver : IHostResolver
    {
        private readonly Dictionary<string, IPAddress[]?> _names = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<string> _asked = [];

        public IPAddress[]? this[string name]
        {
            set => _names[name] = value;
        }

        public IReadOnlyList<string> Asked
        {
            get
            {
                lock (_asked)
                {
                    return [.. _asked];
                }
            }
        }

        public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            lock (_asked)
            {
                _asked.Add(host);
            }

            if (_names.TryGetValue(host, out var addresses))
            {
                return addresses is null
                    ? throw new SocketException((int)SocketError.HostNotFound)
                    : ValueTask.FromResult<IReadOnlyList<IPAddress>>(addresses);
            }

            return IPAddress.TryParse(host, out _)
                ? DnsHostResolver.Instance.ResolveAsync(host, cancellationToken)
                : throw new InvalidOperationException($"The test did not map {host}.");
        }
    }
}
