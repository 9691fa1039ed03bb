using DokanNfs.Core.Rpc;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>The encoded credential and verifier of AUTH_NONE (RFC 5531 §10.1) and AUTH_SYS (Appendix A).</summary>
[TestClass]
public sealed class RpcCredentialTests
{
    [TestMethod]
    public void None_IsTwoEmptyAuthNoneBodies()
    {
        Assert.AreEqual(RpcAuthFlavor.AuthNone, RpcCredential.None.Flavor);
        Assert.AreEqual("00000000000000000000000000000000", ToHex(RpcCredential.None.CredentialAndVerifier));
    }

    [TestMethod]
    public void Sys_MatchesAHandMadeVector()
    {
        var credential = RpcCredential.Sys(1000, 100, [4, 24], "host", stamp: 7);
        var expected =
            "00000001 00000020" +           // AUTH_SYS, body of 32 bytes
            "00000007" +                    // stamp
            "00000004 686f7374" +           // machinename "host"
            "000003e8 00000064" +           // uid 1000, gid 100
            "00000002 00000004 00000018" +  // gids<16> = [4, 24]
            "00000000 00000000";            // verifier AUTH_NONE
        Assert.AreEqual(RpcAuthFlavor.AuthSys, credential.Flavor);
        Assert.AreEqual(ToHex(Hex(expected)), ToHex(credential.CredentialAndVerifier));
        StringAssert.Contains(credential.ToString(), "uid=1000");
    }

    [TestMethod]
    public void Sys_DefaultsToNoGroupsAndThisMachine()
    {
        var credential = RpcCredential.Sys(0, 0);
        StringAssert.Contains(credential.Description, "gids=[]");
        StringAssert.Contains(credential.Description, Environment.MachineName);
    }

    [TestMethod]
    public void Sys_TakesSixteenGroups_ButNotSeventeen()
    {
        var sixteen = Enumerable.Range(1, 16).Select(i => (uint)i).ToArray();
        Assert.AreEqual(RpcAuthFlavor.AuthSys, RpcCredential.Sys(1, 1, sixteen, "m").Flavor);

        var seventeen = Enumerable.Range(1, 17).Select(i => (uint)i).ToArray();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => RpcCredential.Sys(1, 1, seventeen, "m"));
        Assert.AreEqual("gids", ex.ParamName);
    }

    [TestMethod]
    public void Sys_TakesA255ByteMachineName_ButNot256()
    {
        // 16 gids and a 255-byte name is the largest AUTH_SYS body: 340 bytes, within RFC 5531's 400.
        var largest = RpcCredential.Sys(1, 1, [.. Enumerable.Range(1, 16).Select(i => (uint)i)], new string('m', 255));
        Assert.AreEqual(8 + 340 + 8, largest.CredentialAndVerifier.Length);

        Assert.ThrowsExactly<ArgumentException>(() => RpcCredential.Sys(1, 1, machineName: new string('m', 256)));
    }

    [TestMethod]
    public void Sys_CountsTheMachineNameInUtf8Bytes()
    {
        // 128 two-byte characters are 256 bytes: over the limit although only 128 chars long.
        Assert.ThrowsExactly<ArgumentException>(() => RpcCredential.Sys(1, 1, machineName: new string('é', 128)));
    }
}
