using System.Text.Json.Nodes;
using Cmux.Fakes.Pve.State;

namespace Cmux.Fakes.Pve.Api;

/// <summary>
/// <c>GET /nodes/{node}/qemu</c>: the node's QEMU guests (<c>Pve:Qemu</c>). The fake runs no VMs;
/// they are there because clients choosing a vmid, cmux's among them, list both kinds of guest.
/// </summary>
public sealed class QemuEndpoints(NodeState state, NodeGuard guard) : IApiEndpoints
{
    public void Register(IDictionary<string, Func<ApiRequest, Task<ApiResult>>> handlers) =>
        handlers["GET /nodes/{node}/qemu"] = request =>
        {
            guard.Check(request);
            // As qemu-server's vmlist: only guests the caller may audit (privileges here hold on every path).
            var visible = request.Principal?.Has("VM.Audit") != false;
            var list = visible ? state.Qemu.Values.OrderBy(vm => vm.Vmid).Select(QemuViews.Status).ToArray() : [];
            return Task.FromResult(ApiResult.Of(new JsonArray(list)));
        };
}

/// <summary>A QEMU guest as PVE lists it: an idle VM's figures.</summary>
public static class QemuViews
{
    private const long Mib = 1024 * 1024;

    public static JsonNode Status(QemuVmOptions vm)
    {
        var running = vm.Status == "running";
        var view = new JsonObject
        {
            ["vmid"] = vm.Vmid,
            ["name"] = vm.Name ?? $"VM{vm.Vmid}",
            ["status"] = running ? "running" : "stopped",
            ["cpus"] = 1,
            ["cpu"] = running ? 0.01 : 0,
            ["maxmem"] = 2048 * Mib,
            ["mem"] = running ? 512 * Mib : 0,
            ["maxdisk"] = 32L << 30,
            ["disk"] = 0,
            ["uptime"] = 0,
            ["netin"] = 0,
            ["netout"] = 0,
            ["diskread"] = 0,
            ["diskwrite"] = 0,
        };
        if (vm.Template)
        {
            view["template"] = 1;
        }
        return view;
    }

    public static JsonNode Resource(QemuVmOptions vm, string node)
    {
        var view = Status(vm).AsObject();
        view.Remove("cpus");
        view["id"] = $"qemu/{vm.Vmid}";
        view["type"] = "qemu";
        view["node"] = node;
        view["maxcpu"] = 1;
        view["template"] = vm.Template ? 1 : 0;
        return view;
    }
}
