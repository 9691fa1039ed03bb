using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Adapter;

/// <summary>
/// Where FindFiles puts its entries: dokan.h PFillFindData in the native path (a struct over the function
/// pointer, so nothing is allocated), a list in the simulator.
/// </summary>
public interface IFindDataSink
{
    /// <summary>Adds one entry; false when Dokan's buffer is full (stop listing, answer success).</summary>
    bool Add(ref WIN32_FIND_DATAW data);
}

/// <summary>Where FindStreams puts its entries (dokan.h PFillFindStreamData).</summary>
public interface IFindStreamSink
{
    /// <summary>Adds one stream; false when the buffer is full.</summary>
    bool Add(ref WIN32_FIND_STREAM_DATA data);
}
