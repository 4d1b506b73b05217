using System.Text.Json;
using System.Text.RegularExpressions;
using Cmux.Fakes.Morph.Instances;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Morph.Api;

/// <summary>Morph's instance API under <c>/api</c> (docs/contracts.md §8).</summary>
public static partial class InstanceEndpoints
{
    private const string MetadataQueryPrefix = "metadata[";

    /// <summary>Morph serves every instance route under the singular and the plural name.</summary>
    public static readonly IReadOnlyList<string> InstanceRoots = ["instance", "instances"];

    public static void MapInstanceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").AddEndpointFilter<ApiKeyFilter>();
        foreach (var root in InstanceRoots)
        {
            MapInstanceRoutes(api.MapGroup("/" + root));
        }
        // The snapshots this fake boots from; clients read one to check it exists before starting instances.
        api.MapGet("/snapshot/{id}", (string id, IOptions<MorphOptions> options) =>
            options.Value.Snapshots.Contains(id, StringComparer.Ordinal)
                ? Results.Json(new { id, @object = "snapshot", status = "ready", created = 1735689600, metadata = new Dictionary<string, string>() })
                : MorphErrors.SnapshotNotFound(id));
    }

    private static void MapInstanceRoutes(RouteGroupBuilder instances)
    {
        instances.MapPost("", StartAsync);
        instances.MapGet("", List);
        instances.MapGet("/{id}", (string id, InstanceStore store, IOptions<MorphOptions> options) =>
            WithInstance(store, id, instance => Results.Json(InstanceJson.From(instance, options.Value.GatewayDomain))));
        instances.MapDelete("/{id}", DeleteAsync);
        // Pausing a paused instance is not an error on Morph: it answers the instance as it is.
        instances.MapPost("/{id}/pause", (string id, InstanceStore store, InstanceLifecycle lifecycle, IOptions<MorphOptions> options, CancellationToken ct) =>
            MoveAsync(store, id, InstanceStatus.Ready, InstanceStatus.Paused, instance => lifecycle.PauseAsync(instance, ct), options.Value));
        instances.MapPost("/{id}/resume", (string id, InstanceStore store, InstanceLifecycle lifecycle, IOptions<MorphOptions> options, CancellationToken ct) =>
            MoveAsync(store, id, InstanceStatus.Paused, alreadyThere: null, instance => lifecycle.ResumeAsync(instance, ct), options.Value));
        instances.MapPost("/{id}/exec", ExecAsync);
        instances.MapPost("/{id}/exec/sse", ExecStreamAsync);
        instances.MapPost("/{id}/http", ExposeAsync);
        instances.MapDelete("/{id}/http/{name}", Hide);
        instances.MapPost("/{id}/wake-on", WakeOnAsync);
    }

    private static async Task<IResult> StartAsync(
        HttpRequest request, InstanceStore store, InstanceLifecycle lifecycle, IOptions<MorphOptions> options)
    {
        var validation = new Validation();
        var body = await validation.ReadObjectAsync(request, optional: true);
        // Morph takes the snapshot from the query or the JSON body; the body wins when both are there.
        var snapshotId = validation.String(body, "snapshot_id", required: false) is { Length: > 0 } inBody ? inBody : request.Query["snapshot_id"].ToString();
        if (snapshotId.Length == 0)
        {
            validation.Add("missing", "Field required", "query", "snapshot_id");
        }
        var metadata = validation.StringMap(body, "metadata");
        var ttlSeconds = validation.Integer(body, "ttl_seconds", required: false, min: 1, max: int.MaxValue);
        var ttlAction = validation.String(body, "ttl_action", required: false);
        if (ttlAction is not (null or "stop" or "pause"))
        {
            validation.Add("literal_error", "Input should be 'stop' or 'pause'", "body", "ttl_action");
        }
        if (validation.HasErrors)
        {
            return validation.Result();
        }
        if (!options.Value.Snapshots.Contains(snapshotId, StringComparer.Ordinal))
        {
            return MorphErrors.SnapshotNotFound(snapshotId);
        }
        var instance = store.Add(snapshotId, metadata, new InstanceTtl(ttlSeconds, ttlAction));
        if (instance is null)
        {
            return MorphErrors.NoCapacity();
        }
        lifecycle.Boot(instance);
        return Results.Json(InstanceJson.From(instance, options.Value.GatewayDomain));
    }

    /// <summary>Lists instances; <c>metadata[key]=value</c> query parameters filter, as the SDKs send them.</summary>
    private static IResult List(HttpRequest request, InstanceStore store, IOptions<MorphOptions> options)
    {
        var filters = request.Query
            .Where(q => q.Key.StartsWith(MetadataQueryPrefix, StringComparison.Ordinal) && q.Key.EndsWith(']'))
            .Select(q => (Key: q.Key[MetadataQueryPrefix.Length..^1], Value: q.Value.ToString()))
            .ToList();
        var matching = store.All
            .Where(i => filters.All(f => i.Metadata.TryGetValue(f.Key, out var value) && value == f.Value))
            .Select(i => InstanceJson.From(i, options.Value.GatewayDomain))
            .ToList();
        return Results.Json(new InstanceListJson("list", matching));
    }

    private static async Task<IResult> DeleteAsync(string id, InstanceStore store, InstanceLifecycle lifecycle, CancellationToken ct)
    {
        if (store.Find(id) is not { } instance)
        {
            return MorphErrors.InstanceNotFound(id);
        }
        try
        {
            await lifecycle.DeleteAsync(instance, ct);
        }
        catch (Exception e) when (e is SandboxHostException or HttpRequestException)
        {
            return MorphErrors.MachineFailed(instance.Id, e.Message);
        }
        return Results.Json(new DeletedJson(instance.Id, "instance", Deleted: true));
    }

    /// <summary>Moves the instance from <paramref name="needed"/>; already in <paramref name="alreadyThere"/>, it is answered unchanged.</summary>
    private static async Task<IResult> MoveAsync(
        InstanceStore store, string id, string needed, string? alreadyThere, Func<Instance, Task<bool>> move, MorphOptions options)
    {
        if (store.Find(id) is not { } instance)
        {
            return MorphErrors.InstanceNotFound(id);
        }
        if (alreadyThere is not null && instance.Status == alreadyThere)
        {
            return Results.Json(InstanceJson.From(instance, options.GatewayDomain));
        }
        try
        {
            return await move(instance)
                ? Results.Json(InstanceJson.From(instance, options.GatewayDomain))
                : MorphErrors.WrongStatus(instance.Id, instance.Status, needed);
        }
        catch (Exception e) when (e is SandboxHostException or HttpRequestException)
        {
            return MorphErrors.MachineFailed(instance.Id, e.Message);
        }
    }

    private static async Task<IResult> ExecAsync(string id, HttpRequest request, InstanceStore store, SandboxExec exec)
    {
        var (instance, command, error) = await ReadExecAsync(id, request, store);
        if (error is not null)
        {
            return error;
        }
        try
        {
            var output = await exec.RunAsync(instance!, command!, request.HttpContext.RequestAborted);
            return Results.Json(new ExecResultJson(output.ExitCode, output.Stdout, output.Stderr));
        }
        catch (HttpRequestException e)
        {
            return MorphErrors.MachineFailed(instance!.Id, e.Message);
        }
    }

    /// <summary>
    /// The SSE form: <c>data: {"type": "stdout"|"stderr"|"exit_code", "content": ...}</c> events, then
    /// <c>data: [DONE]</c>. The seed execd answers once the command ends, so output arrives in one
    /// event per stream rather than as it is written.
    /// </summary>
    private static async Task ExecStreamAsync(string id, HttpContext context, InstanceStore store, SandboxExec exec)
    {
        var (instance, command, error) = await ReadExecAsync(id, context.Request, store);
        if (error is not null)
        {
            await error.ExecuteAsync(context);
            return;
        }
        var ct = context.RequestAborted;
        ExecOutput output;
        try
        {
            output = await exec.RunAsync(instance!, command!, ct);
        }
        catch (HttpRequestException e)
        {
            await MorphErrors.MachineFailed(instance!.Id, e.Message).ExecuteAsync(context);
            return;
        }
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        if (output.Stdout.Length > 0)
        {
            await WriteEventAsync(context.Response, new { type = "stdout", content = output.Stdout }, ct);
        }
        if (output.Stderr.Length > 0)
        {
            await WriteEventAsync(context.Response, new { type = "stderr", content = output.Stderr }, ct);
        }
        await WriteEventAsync(context.Response, new { type = "exit_code", content = output.ExitCode }, ct);
        await context.Response.WriteAsync("data: [DONE]\n\n", ct);
    }

    private static Task WriteEventAsync(HttpResponse response, object data, CancellationToken ct) =>
        response.WriteAsync($"data: {JsonSerializer.Serialize(data)}\n\n", ct);

    private static async Task<(Instance? Instance, string? Command, IResult? Error)> ReadExecAsync(
        string id, HttpRequest request, InstanceStore store)
    {
        if (store.Find(id) is not { } instance)
        {
            return (null, null, MorphErrors.InstanceNotFound(id));
        }
        var validation = new Validation();
        var command = validation.Command(await validation.ReadObjectAsync(request, optional: false));
        if (validation.HasErrors)
        {
            return (null, null, validation.Result());
        }
        if (instance.Status != InstanceStatus.Ready)
        {
            return (null, null, MorphErrors.WrongStatus(instance.Id, instance.Status, InstanceStatus.Ready));
        }
        return (instance, SandboxExec.ToShellCommand(command!), null);
    }

    private static async Task<IResult> ExposeAsync(string id, HttpRequest request, InstanceStore store, IOptions<MorphOptions> options)
    {
        if (store.Find(id) is not { } instance)
        {
            return MorphErrors.InstanceNotFound(id);
        }
        var validation = new Validation();
        var body = await validation.ReadObjectAsync(request, optional: false);
        var name = validation.String(body, "name", required: true);
        var port = validation.Integer(body, "port", required: true, min: 1, max: 65535);
        var authMode = validation.String(body, "auth_mode", required: false) ?? AuthMode.None;
        if (name is not null && !ServiceName().IsMatch(name))
        {
            validation.Add("string_pattern_mismatch", $"String should match pattern '{ServiceName()}'", "body", "name");
        }
        if (!AuthMode.IsKnown(authMode))
        {
            validation.Add("literal_error", "Input should be 'none' or 'api_key'", "body", "auth_mode");
        }
        if (validation.HasErrors)
        {
            return validation.Result();
        }
        if (instance.Status != InstanceStatus.Ready)
        {
            return MorphErrors.WrongStatus(instance.Id, instance.Status, InstanceStatus.Ready);
        }
        instance.Services[name!] = new HttpService(name!, port!.Value, authMode);
        return Results.Json(InstanceJson.From(instance, options.Value.GatewayDomain));
    }

    /// <summary><c>{"wake_on_ssh"?, "wake_on_http"?}</c>: the settings given change, the others stay; the instance is answered.</summary>
    private static async Task<IResult> WakeOnAsync(string id, HttpRequest request, InstanceStore store, IOptions<MorphOptions> options)
    {
        if (store.Find(id) is not { } instance)
        {
            return MorphErrors.InstanceNotFound(id);
        }
        var validation = new Validation();
        var body = await validation.ReadObjectAsync(request, optional: false);
        var ssh = validation.Boolean(body, "wake_on_ssh");
        var http = validation.Boolean(body, "wake_on_http");
        if (validation.HasErrors)
        {
            return validation.Result();
        }
        instance.WakeOn = new WakeOn(ssh ?? instance.WakeOn.Ssh, http ?? instance.WakeOn.Http);
        return Results.Json(InstanceJson.From(instance, options.Value.GatewayDomain));
    }

    private static IResult Hide(string id, string name, InstanceStore store, IOptions<MorphOptions> options) =>
        WithInstance(store, id, instance => instance.Services.TryRemove(name, out _)
            ? Results.Json(InstanceJson.From(instance, options.Value.GatewayDomain))
            : MorphErrors.ServiceNotFound(instance.Id, name));

    private static IResult WithInstance(InstanceStore store, string id, Func<Instance, IResult> answer) =>
        store.Find(id) is { } instance ? answer(instance) : MorphErrors.InstanceNotFound(id);

    // A service name becomes the first part of a host label, so it is a lower-case label itself.
    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")]
    private static partial Regex ServiceName();
}
