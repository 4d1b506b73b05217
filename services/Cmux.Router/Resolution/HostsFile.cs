using System.Collections.Frozen;
using System.Net;

namespace Cmux.Router.Resolution;

/// <summary>
/// Names from a hosts file (<c>127.1.0.200 cmux-200.lan cmux-200</c>), re-read whenever the file's
/// time stamp or length changes. It is consulted once per new upstream connection (connections are
/// pooled), so checking the file each time is cheap and never serves a stale address.
/// </summary>
public sealed class HostsFile(string path, ILogger<HostsFile> logger)
{
    private readonly Lock _gate = new();
    private (DateTime Stamp, long Length) _version;
    private FrozenDictionary<string, IPAddress[]> _names = FrozenDictionary<string, IPAddress[]>.Empty;

    public string Path => path;

    /// <summary>The addresses the file gives <paramref name="name"/>, or null when it does not list it.</summary>
    public IPAddress[]? Resolve(string name)
    {
        Refresh();
        return _names.GetValueOrDefault(name);
    }

    private void Refresh()
    {
        var file = new FileInfo(path);
        var version = file.Exists ? (file.LastWriteTimeUtc, file.Length) : default;
        if (version == _version)
        {
            return;
        }
        lock (_gate)
        {
            if (version == _version)
            {
                return;
            }
            _names = file.Exists ? Read(path) : FrozenDictionary<string, IPAddress[]>.Empty;
            _version = version;
            logger.LogInformation("Hosts file {Path}: {Count} names", path, _names.Count);
        }
    }

    internal static FrozenDictionary<string, IPAddress[]> Parse(IEnumerable<string> lines)
    {
        var names = new Dictionary<string, List<IPAddress>>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines)
        {
            var comment = line.IndexOf('#');
            var fields = (comment < 0 ? line : line[..comment])
                .Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || !IPAddress.TryParse(fields[0], out var address))
            {
                continue;
            }
            foreach (var name in fields.AsSpan(1))
            {
                if (!names.TryGetValue(name, out var list))
                {
                    names[name] = list = [];
                }
                list.Add(address);
            }
        }
        return names.ToFrozenDictionary(n => n.Key, n => n.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
    }

    private static FrozenDictionary<string, IPAddress[]> Read(string path)
    {
        try
        {
            return Parse(File.ReadAllLines(path));
        }
        catch (IOException)
        {
            // Caught mid-rewrite (the sandbox host writes in place): an empty view for now; the
            // next lookup sees a new time stamp and reads it again.
            return FrozenDictionary<string, IPAddress[]>.Empty;
        }
    }
}
