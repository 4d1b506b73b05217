using System.Globalization;
using System.Text.Json;
using Cmux.Fakes.Sandbox.Client;
using Cmux.Fakes.Sandbox.Lifecycle;

namespace Cmux.Fakes.Sandbox.Control;

/// <summary>
/// The control API documented on <see cref="SandboxHostClient"/>. Errors are <c>{"error": "..."}</c>:
/// 400 bad id or body, 404 unknown sandbox, 409 wrong state, 500 when a sandbox fails to start.
/// </summary>
public static class ControlApi
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var sandboxes = endpoints.MapGroup("/sandboxes");
        sandboxes.MapGet("/", (SandboxManager manager) => Json(manager.List().Select(s => s.Info())));
        sandboxes.MapGet("/{id}", (string id, SandboxManager manager) =>
            WithId(id, n => manager.Get(n) is { } sandbox ? Json(sandbox.Info()) : Unknown(n)));
        sandboxes.MapPut("/{id}", CreateAsync);
        sandboxes.MapPost("/{id}/start", StartAsync);
        sandboxes.MapPost("/{id}/stop", (string id, SandboxManager manager) => OperateAsync(id, manager.StopAsync));
        sandboxes.MapPost("/{id}/pause", (string id, SandboxManager manager) => OperateAsync(id, manager.PauseAsync));
        sandboxes.MapPost("/{id}/resume", (string id, SandboxManager manager) => OperateAsync(id, manager.ResumeAsync));
        sandboxes.MapDelete("/{id}", (string id, SandboxManager manager) =>
            WithIdAsync(id, async n => await manager.DeleteAsync(n) ? Results.NoContent() : Unknown(n)));
    }

    private static async Task<IResult> CreateAsync(string id, HttpRequest request, SandboxManager manager)
    {
        var (body, invalid) = await BodyAsync<CreateSandboxRequest>(request);
        if (invalid is not null)
        {
            return invalid;
        }
        return WithId(id, n =>
        {
            try
            {
                var (sandbox, created) = manager.Create(n, body?.Hostname, body?.ExecdProfile);
                return Json(sandbox.Info(), created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            }
            catch (ArgumentException e)
            {
                return Error(StatusCodes.Status400BadRequest, e.Message);
            }
        });
    }

    private static async Task<IResult> StartAsync(string id, HttpRequest request, SandboxManager manager)
    {
        var (body, invalid) = await BodyAsync<StartSandboxRequest>(request);
        return invalid ?? await OperateAsync(id, n => manager.StartAsync(n, body?.Environment, request.HttpContext.RequestAborted));
    }

    /// <summary>An optional JSON body: none is null, a malformed one a 400.</summary>
    private static async Task<(T? Body, IResult? Invalid)> BodyAsync<T>(HttpRequest request) where T : class
    {
        if (request.ContentLength is not > 0 && request.Headers.TransferEncoding.Count == 0)
        {
            return (null, null);
        }
        try
        {
            return (await request.ReadFromJsonAsync<T>(SandboxHostClient.Json, request.HttpContext.RequestAborted), null);
        }
        catch (JsonException e)
        {
            return (null, Error(StatusCodes.Status400BadRequest, $"invalid JSON body: {e.Message}"));
        }
    }

    private static Task<IResult> OperateAsync(string id, Func<int, Task<SandboxInstance>> operation) => WithIdAsync(id, async n =>
    {
        try
        {
            return Json((await operation(n)).Info());
        }
        catch (KeyNotFoundException)
        {
            return Unknown(n);
        }
        catch (SandboxConflictException e)
        {
            return Error(StatusCodes.Status409Conflict, e.Message);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            return Error(StatusCodes.Status500InternalServerError, $"sandbox {n} failed: {e.Message}");
        }
    });

    private static IResult WithId(string id, Func<int, IResult> action) =>
        TryParseId(id, out var n) ? action(n) : BadId(id);

    private static async Task<IResult> WithIdAsync(string id, Func<int, Task<IResult>> action) =>
        TryParseId(id, out var n) ? await action(n) : BadId(id);

    private static bool TryParseId(string id, out int n) =>
        int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n is >= SandboxAddress.MinId and <= SandboxAddress.MaxId;

    private static IResult BadId(string id) =>
        Error(StatusCodes.Status400BadRequest, $"sandbox id '{id}' must be an integer in {SandboxAddress.MinId}..{SandboxAddress.MaxId}");

    private static IResult Unknown(int id) => Error(StatusCodes.Status404NotFound, $"no sandbox {id}");

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private static IResult Json(object value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, SandboxHostClient.Json, statusCode: status);
}
