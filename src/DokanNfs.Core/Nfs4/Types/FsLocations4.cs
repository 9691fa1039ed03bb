using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>fs_location4 (RFC 7530 §8.8): servers holding a file system, and its path on them.</summary>
public sealed record FsLocation4(IReadOnlyList<string> Servers, IReadOnlyList<string> RootPath)
{
    public string RootPathString => "/" + string.Join('/', RootPath);
}

/// <summary>
/// fs_locations4 (RFC 7530 §8.8): where a file system that moved (or was never here) can be found.
/// <see cref="FsRoot"/> is the path on this server the locations stand in for.
/// </summary>
public sealed record FsLocations4(IReadOnlyList<string> FsRoot, IReadOnlyList<FsLocation4> Locations)
{
    /// <summary>Bounds on hostile input: nobody lists more servers or deeper paths than this.</summary>
    public const int MaxLocations = 64;

    public const int MaxServersPerLocation = 64;

    public const int MaxPathComponents = 255;

    public const int MaxComponentLength = 1024;

    public string FsRootString => "/" + string.Join('/', FsRoot);

    public static FsLocations4 Decode(ref XdrReader reader)
    {
        var root = DecodePathname(ref reader);
        var count = reader.ReadArrayCount(MaxLocations, minElementSize: 8);
        var locations = new FsLocation4[count];
        for (var i = 0; i < count; i++)
        {
            var serverCount = reader.ReadArrayCount(MaxServersPerLocation);
            var servers = new string[serverCount];
            for (var s = 0; s < serverCount; s++)
            {
                servers[s] = reader.ReadString(MaxComponentLength);
            }

            locations[i] = new FsLocation4(servers, DecodePathname(ref reader));
        }

        return new FsLocations4(root, locations);
    }

    /// <summary>pathname4 (RFC 7530 §3.2): an array of components.</summary>
    public static string[] DecodePathname(ref XdrReader reader)
    {
        var count = reader.ReadArrayCount(MaxPathComponents);
        var components = new string[count];
        for (var i = 0; i < count; i++)
        {
            components[i] = reader.ReadString(MaxComponentLength);
        }

        return components;
    }

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        EncodePathname(writer, FsRoot);
        writer.WriteArrayCount(Locations.Count);
        foreach (var location in Locations)
        {
            writer.WriteArrayCount(location.Servers.Count);
            foreach (var server in location.Servers)
            {
                writer.WriteString(server);
            }

            EncodePathname(writer, location.RootPath);
        }
    }

    public static void EncodePathname(XdrWriter writer, IReadOnlyList<string> components)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(components);
        writer.WriteArrayCount(components.Count);
        foreach (var c in components)
        {
            writer.WriteString(c);
        }
    }
}
