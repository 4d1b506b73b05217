using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cmux.Fakes.Pve.Schema;
using Cmux.Fakes.Pve.State;

namespace Cmux.Fakes.Pve.Api;

/// <summary>
/// A container as the API shows it: in lists and <c>status/current</c> (usage figures of an idle
/// container), in <c>cluster/resources</c>, and its configuration typed as the schema declares it.
/// </summary>
public sealed class ContainerViews(PveSchema schema, NodeGuard guard, TimeProvider time)
{
    private const long Mib = 1024 * 1024;

    private readonly JsonElement _configSchema = schema.Get("GET /nodes/{node}/lxc/{vmid}/config").Returns;

    public JsonObject Status(Container c)
    {
        var maxmem = MemoryMib(c) * Mib;
        var view = new JsonObject
        {
            ["vmid"] = c.Vmid,
            ["name"] = c.Hostname,
            ["status"] = c.Status,
            ["type"] = "lxc",
            ["cpus"] = int.Parse(c.Config.GetValueOrDefault("cores", "1"), CultureInfo.InvariantCulture),
            ["cpu"] = c.Running ? 0.002 : 0,
            ["maxmem"] = maxmem,
            ["mem"] = c.Running ? maxmem / 16 : 0,
            ["maxswap"] = long.Parse(c.Config.GetValueOrDefault("swap", "0"), CultureInfo.InvariantCulture) * Mib,
            ["maxdisk"] = 8L << 30,
            ["disk"] = c.Running ? 1L << 30 : 0,
            ["uptime"] = c.StartedAt is { } started ? (long)(time.GetUtcNow() - started).TotalSeconds : 0,
            ["netin"] = 0,
            ["netout"] = 0,
            ["diskread"] = 0,
            ["diskwrite"] = 0,
        };
        if (c.IsTemplate)
        {
            view["template"] = 1;
        }
        if (c.Config.GetValueOrDefault("tags") is { Length: > 0 } tags)
        {
            // PVE lists a container's tags with it, so clients filter without reading every config.
            view["tags"] = tags;
        }
        if (c.Lock is { } lockName)
        {
            view["lock"] = lockName;
        }
        return view;
    }

    public JsonObject Current(Container c)
    {
        var view = Status(c);
        view["ha"] = new JsonObject { ["managed"] = 0 };
        return view;
    }

    public JsonNode Resource(Container c)
    {
        var view = Status(c);
        view.Remove("cpus");
        view["id"] = $"lxc/{c.Vmid}";
        view["node"] = guard.Node;
        view["maxcpu"] = int.Parse(c.Config.GetValueOrDefault("cores", "1"), CultureInfo.InvariantCulture);
        view["template"] = c.IsTemplate ? 1 : 0;
        return view;
    }

    /// <summary>The configuration with each value typed by the schema: <c>cores</c> a number, <c>template</c> 1.</summary>
    public JsonObject Config(Container c)
    {
        var config = new JsonObject();
        foreach (var (key, value) in c.Config)
        {
            config[key] = TypeOf(key) switch
            {
                "integer" or "number" when double.TryParse(value, CultureInfo.InvariantCulture, out var n) => n,
                "boolean" => value == "1" ? 1 : 0,
                _ => value,
            };
        }
        config["digest"] = c.Digest;
        return config;
    }

    private string? TypeOf(string key)
    {
        var properties = _configSchema.Child("properties");
        var name = key.TrimEnd("0123456789".ToCharArray());
        return (properties?.Child(key) ?? (name.Length < key.Length ? properties?.Child($"{name}[n]") : null))?.Text("type");
    }

    private static long MemoryMib(Container c) => long.Parse(c.Config.GetValueOrDefault("memory", "512"), CultureInfo.InvariantCulture);
}
