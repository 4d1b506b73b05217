using Cmux.Contract;
using Cmux.Fakes.Pve.Api;
using Cmux.Fakes.Pve.Faults;
using Cmux.Fakes.Pve.State;
using Cmux.Fakes.Pve.Tasks;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Pve.Admin;

/// <summary>
/// The fake's own controls under <c>/_fake</c> (no PVE auth: loopback tooling only):
/// <code>
/// GET    /_fake/faults            the faults in force
/// PUT    /_fake/faults            replace them (FaultOptions as JSON)
/// GET    /_fake/containers        every container: vmid, hostname, status, lock, address
/// POST   /_fake/containers        {"hostname"?, "vmid"?} linked clone of the template + start, as cmux does; answers when running
/// DELETE /_fake/containers/{id}   make a container vanish behind the API's back (as a manual pct destroy)
/// </code>
/// </summary>
public static class AdminEndpoints
{
    public const string Prefix = "/_fake";
    private const int FirstSandboxVmid = 200;

    public static void MapAdminEndpoints(this WebApplication app)
    {
        var admin = app.MapGroup(Prefix);
        admin.MapGet("/faults", (FaultInjector faults) => faults.Current);
        admin.MapPut("/faults", (FaultOptions body, FaultInjector faults) =>
        {
            faults.Replace(body);
            return faults.Current;
        });
        admin.MapGet("/containers", (NodeState state) => state.Read(all => all.Values.OrderBy(c => c.Vmid).Select(Summary).ToList()));
        admin.MapPost("/containers", CreateAsync);
        admin.MapDelete("/containers/{vmid:int}", (int vmid, NodeState state, ILogger<NodeState> logger) =>
        {
            if (!state.Write(all => all.Remove(vmid)))
            {
                return Results.NotFound(new { error = $"CT {vmid} does not exist" });
            }
            logger.LogWarning("CT {Vmid} vanished (removed through the admin endpoint)", vmid);
            return Results.NoContent();
        });
    }

    /// <summary>
    /// Without a vmid the clone takes the first free one from 200; a caller running several stacks
    /// at once names its own, since a process sandbox's loopback address is its vmid's.
    /// </summary>
    public sealed record CreateRequest(string? Hostname, int? Vmid = null);

    private static object Summary(Container c) => new
    {
        vmid = c.Vmid,
        hostname = c.Hostname,
        status = c.Status,
        template = c.IsTemplate,
        @lock = c.Lock,
        address = c.Vmid <= SandboxAddress.MaxId ? SandboxAddress.For(c.Vmid).ToString() : null,
    };

    /// <summary>What the dashboard's "create sandbox" command runs: cmux's flow through the same handlers.</summary>
    private static async Task<IResult> CreateAsync(
        CreateRequest? body, ApiDispatcher api, NodeState state, TaskRunner tasks, IOptions<PveFakeOptions> options, CancellationToken ct)
    {
        var node = options.Value.Node;
        try
        {
            var vmid = body?.Vmid ?? state.Read(all => Enumerable.Range(FirstSandboxVmid, int.MaxValue - FirstSandboxVmid).First(id => !state.IsTaken(all, id)));
            var hostname = body?.Hostname ?? SandboxNames.Hostname(vmid);
            await RunTaskAsync(api, tasks, "POST", $"/nodes/{node}/lxc/{options.Value.TemplateVmid}/clone",
                new() { ["newid"] = $"{vmid}", ["hostname"] = hostname, ["full"] = "0" }, ct);
            await RunTaskAsync(api, tasks, "POST", $"/nodes/{node}/lxc/{vmid}/status/start", [], ct);
            return Results.Ok(state.Read(all => Summary(all[vmid])));
        }
        catch (PveException e)
        {
            return Results.Json(new { error = e.Message }, statusCode: e.Status);
        }
    }

    private static async Task RunTaskAsync(ApiDispatcher api, TaskRunner tasks, string verb, string path, Dictionary<string, string> parameters, CancellationToken ct)
    {
        var result = await api.InvokeAsync(verb, path, parameters);
        var task = tasks.Find(Upid.Parse(result.Data!.GetValue<string>())!)!;
        await task.Ended.WaitAsync(ct);
        if (task.ExitStatus != "OK")
        {
            throw PveException.Handler($"{path}: {task.ExitStatus}");
        }
    }
}
