using System.Security.Cryptography;
using System.Text;

namespace Cmux.Fakes.Pve.State;

/// <summary>
/// One LXC container: its configuration file (key/value, as <c>/etc/pve/lxc/{vmid}.conf</c>),
/// whether it runs, its lock and its snapshots. Only touched under <see cref="NodeState"/>'s lock.
/// </summary>
public sealed class Container(int vmid, SortedDictionary<string, string> config)
{
    public int Vmid { get; } = vmid;

    public SortedDictionary<string, string> Config { get; } = config;

    public bool Running { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public List<ContainerSnapshot> Snapshots { get; } = [];

    public string Status => Running ? "running" : "stopped";

    public string Hostname => Config.GetValueOrDefault("hostname") ?? $"CT{Vmid}";

    public bool IsTemplate => Config.GetValueOrDefault("template") == "1";

    public bool IsProtected => Config.GetValueOrDefault("protection") == "1";

    public string? Lock
    {
        get => Config.GetValueOrDefault("lock");
        set
        {
            if (value is null)
            {
                Config.Remove("lock");
            }
            else
            {
                Config["lock"] = value;
            }
        }
    }

    /// <summary>The SHA-1 of the configuration, as PVE's <c>digest</c> guards concurrent edits.</summary>
    public string Digest => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(
        string.Concat(Config.Where(kv => kv.Key != "digest").Select(kv => $"{kv.Key}: {kv.Value}\n")))));

    /// <summary>The status the metrics count it under.</summary>
    public string Kind => IsTemplate ? "template" : Status;
}

public sealed record ContainerSnapshot(string Name, string Description, long SnapTime, string? Parent);
