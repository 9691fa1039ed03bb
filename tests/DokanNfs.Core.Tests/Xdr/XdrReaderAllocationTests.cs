using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Xdr;

[TestClass]
public sealed class XdrReaderAllocationTests
{
    [TestMethod]
    public void Reading_opaques_and_array_counts_allocates_nothing()
    {
        byte[] bytes = [0, 0, 0, 2, 0xAB, 0xCD, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9];
        Read(bytes); // JIT

        var before = GC.GetAllocatedBytesForCurrentThread();
        var length = Read(bytes);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.AreEqual(3, length);
        Assert.AreEqual(0L, allocated);
    }

    private static int Read(byte[] bytes)
    {
        var reader = new XdrReader(bytes);
        var opaque = reader.ReadOpaque(16);
        var count = reader.ReadArrayCount(4);
        return opaque.Length + count;
    }
}
