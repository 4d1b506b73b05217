using System.Text.Json.Nodes;
using Cmux.Contract;
using Cmux.Fakes.Pve.Auth;
using Cmux.Fakes.Pve.State;

namespace Cmux.Fakes.Pve.Api;

/// <summary>The node and cluster around the containers: version, nodes, DNS, storage, ids, resources, login.</summary>
public sealed class NodeEndpoints(NodeGuard guard, NodeState state, ContainerViews views, PveAuthenticator auth) : IApiEndpoints
{
    public const string Version = "8.4.1";

    private static readonly JsonArray Storages =
    [
        Storage("local", "dir", "backup,iso,vztmpl", total: 100L << 30, used: 12L << 30),
        Storage("local-lvm", "lvmthin", "images,rootdir", total: 400L << 30, used: 37L << 30),
    ];

    public void Register(IDictionary<string, Func<ApiRequest, Task<ApiResult>>> handlers)
    {
        handlers["GET /version"] = _ => Answer(new JsonObject { ["version"] = Version, ["release"] = "8.4", ["repoid"] = "2a5fa54a8503f96d" });
        handlers["GET /nodes"] = _ => Answer(new JsonArray(NodeEntry()));
        handlers["GET /nodes/{node}/dns"] = r => Guarded(r, () => new JsonObject { ["search"] = SandboxNames.DefaultSearchDomain, ["dns1"] = "127.0.0.53" });
        handlers["GET /nodes/{node}/storage"] = r => Guarded(r, () => StorageList(r));
        handlers["GET /cluster/nextid"] = r => Answer(NextId(r));
        handlers["GET /cluster/resources"] = r => Answer(Resources(r.Text("type")));
        handlers["GET /access/ticket"] = _ => Task.FromResult(ApiResult.Null);
        handlers["GET /access/permissions"] = r => Answer(Permissions(r));
        handlers["POST /access/ticket"] = r => Answer(Login(r));
    }

    private static Task<ApiResult> Answer(JsonNode data) => Task.FromResult(ApiResult.Of(data));

    /// <summary>
    /// The caller's own privileges by ACL path, each mapped to 1 (propagates). The fake grants
    /// everything on <c>/</c>; <c>*</c> stands for every privilege PVE knows of the kinds the fake checks.
    /// </summary>
    private static JsonObject Permissions(ApiRequest request)
    {
        var privileges = request.Principal?.Privileges ?? new HashSet<string>();
        IEnumerable<string> names = privileges.Contains(Principal.AllPrivileges) ? Principal.KnownPrivileges : privileges;
        var granted = new JsonObject();
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            granted[name] = 1;
        }
        return new JsonObject { ["/"] = granted };
    }

    private Task<ApiResult> Guarded(ApiRequest request, Func<JsonNode> answer)
    {
        guard.Check(request);
        return Answer(answer());
    }

    private JsonObject NodeEntry() => new()
    {
        ["node"] = guard.Node,
        ["status"] = "online",
        ["type"] = "node",
        ["id"] = $"node/{guard.Node}",
        ["cpu"] = 0.03,
        ["maxcpu"] = Environment.ProcessorCount,
        ["mem"] = 6L << 30,
        ["maxmem"] = 32L << 30,
        ["uptime"] = (long)Environment.TickCount64 / 1000,
        ["level"] = "",
        ["ssl_fingerprint"] = "",
    };

    private static JsonObject Storage(string name, string type, string content, long total, long used) => new()
    {
        ["storage"] = name,
        ["type"] = type,
        ["content"] = content,
        ["active"] = 1,
        ["enabled"] = 1,
        ["shared"] = 0,
        ["total"] = total,
        ["used"] = used,
        ["avail"] = total - used,
        ["used_fraction"] = (double)used / total,
    };

    private static JsonArray StorageList(ApiRequest request)
    {
        var content = request.Text("content")?.Split(',');
        var name = request.Text("storage");
        return new JsonArray(Storages
            .Select(s => s!.AsObject())
            .Where(s => name is null || (string?)s["storage"] == name)
            .Where(s => content is null || content.All(c => ((string)s["content"]!).Split(',').Contains(c)))
            .Select(s => s.DeepClone())
            .ToArray());
    }

    /// <summary>The smallest id from 100 no guest (LXC or QEMU) has; with <c>vmid</c>, asserts that id is free.</summary>
    private JsonNode NextId(ApiRequest request) => state.Read<JsonNode>(containers =>
    {
        if (request.OptionalInt("vmid") is { } vmid)
        {
            return state.IsTaken(containers, vmid) ? throw PveException.Parameter("vmid", $"VM {vmid} already exists") : vmid;
        }
        var next = 100;
        while (state.IsTaken(containers, next))
        {
            next++;
        }
        return next;
    });

    private JsonArray Resources(string? type)
    {
        var entries = new List<JsonNode>();
        if (type is null or "node")
        {
            entries.Add(NodeEntry());
        }
        if (type is null or "vm")
        {
            entries.AddRange(state.Read(containers => containers.Values.Select(c => (c.Vmid, Entry: views.Resource(c)))
                .Concat(state.Qemu.Values.Select(vm => (vm.Vmid, Entry: QemuViews.Resource(vm, guard.Node))))
                .OrderBy(e => e.Vmid).Select(e => e.Entry).ToList()));
        }
        if (type is null or "storage")
        {
            entries.AddRange(Storages.Select(s => (JsonNode)new JsonObject
            {
                ["id"] = $"storage/{guard.Node}/{s!["storage"]}",
                ["type"] = "storage",
                ["node"] = guard.Node,
                ["storage"] = s["storage"]!.DeepClone(),
                ["plugintype"] = s["type"]!.DeepClone(),
                ["content"] = s["content"]!.DeepClone(),
                ["status"] = "available",
                ["shared"] = 0,
                ["disk"] = s["used"]!.DeepClone(),
                ["maxdisk"] = s["total"]!.DeepClone(),
            }));
        }
        return new JsonArray([.. entries]);
    }

    private JsonObject Login(ApiRequest request)
    {
        var ticket = auth.Login(request.Text("username")!, request.Text("password")!, request.Text("realm"))
            ?? throw PveException.Unauthorized("authentication failure");
        return new JsonObject
        {
            ["username"] = ticket.Username,
            ["ticket"] = ticket.Value,
            ["CSRFPreventionToken"] = ticket.CsrfToken,
            ["cap"] = new JsonObject { ["vms"] = new JsonObject(), ["nodes"] = new JsonObject(), ["storage"] = new JsonObject() },
        };
    }
}
