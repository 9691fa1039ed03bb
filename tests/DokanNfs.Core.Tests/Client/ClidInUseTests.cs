using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Client;

[TestClass]
public sealed class ClidInUseTests
{
    [TestMethod]
    public void Clid_inuse_from_ganesha_says_what_happened_and_what_to_do()
    {
        // A real reply: Ganesha refusing SETCLIENTID for an id string another principal holds.
        var record = File.ReadAllBytes(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "ganesha-replies"), "*-setclientid-other-principal.bin").Single());

        var error = Assert.ThrowsExactly<NfsException>(() => RpcMessage.DecodeReply(record, static (ref XdrReader r) =>
        {
            var results = CompoundResults.Begin(ref r);
            return results.SetClientId(ref r);
        }));

        Assert.AreEqual(NfsStat4.ClidInuse, error.Status);
        StringAssert.Contains(error.Message, "already in use by another user or machine");
        StringAssert.Contains(error.Message, "tcp");
        Assert.IsNotNull(error.Data["client_using"]);
    }
}
