using System.Text.Json.Nodes;
using Cmux.Cloudflare.Ingress;
using Cmux.Fakes.Cloudflare.Api;

namespace Cmux.Fakes.Cloudflare.Tunnels;

/// <summary><c>/accounts/{a}/cfd_tunnel</c>: create, list with filters, get, delete, token, configurations.</summary>
public static class TunnelEndpoints
{
    public static void MapTunnelEndpoints(this IEndpointRouteBuilder api)
    {
        var tunnels = api.MapGroup("/accounts/{accountId}/cfd_tunnel");
        tunnels.MapPost("", CreateAsync);
        tunnels.MapGet("", List);
        tunnels.MapGet("/{tunnelId}", (string tunnelId, TunnelStore store) =>
            store.Get(tunnelId) is { } tunnel ? ApiResults.Ok(tunnel) : NotFound());
        tunnels.MapDelete("/{tunnelId}", (string tunnelId, TunnelStore store) =>
            store.Delete(tunnelId) is { } tunnel ? ApiResults.Ok(tunnel) : NotFound());
        tunnels.MapGet("/{tunnelId}/token", (string tunnelId, TunnelStore store) =>
            store.Token(tunnelId) is { } token ? ApiResults.Ok(token) : NotFound());
        tunnels.MapGet("/{tunnelId}/configurations", (string tunnelId, TunnelStore store) =>
            store.GetConfiguration(tunnelId) is { } configuration ? ApiResults.Ok(configuration) : NotFound());
        tunnels.MapPut("/{tunnelId}/configurations", PutConfigurationAsync);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, TunnelStore store)
    {
        if (await JsonBody.ReadObjectAsync(request) is not { } body)
        {
            return JsonBody.Malformed();
        }
        var name = JsonBody.String(body, "name");
        if (string.IsNullOrWhiteSpace(name))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, 1001, "Tunnel name is required");
        }
        var configSource = JsonBody.String(body, "config_src") ?? "local";
        if (configSource is not ("local" or "cloudflare"))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, 1001, $"config_src must be \"local\" or \"cloudflare\", not \"{configSource}\"");
        }
        var secret = TunnelStore.NewSecret();
        if (JsonBody.String(body, "tunnel_secret") is { } given)
        {
            var decoded = TryBase64(given);
            if (decoded is null || decoded.Length < 32)
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, 1001, "tunnel_secret must be base64 of at least 32 bytes");
            }
            secret = decoded;
        }
        return store.Create(name, configSource == "cloudflare", secret) is { } tunnel
            ? ApiResults.Ok(tunnel)
            : ApiResults.Error(StatusCodes.Status409Conflict, 1013, "You already have a tunnel with this name.");
    }

    private static IResult List(HttpRequest request, TunnelStore store)
    {
        var query = request.Query;
        string? Text(string key) => query.TryGetValue(key, out var value) && value.Count > 0 && value[0] is { Length: > 0 } text ? text : null;
        var isDeleted = Text("is_deleted") is { } flag ? bool.TryParse(flag, out var parsed) ? parsed : (bool?)null : null;
        if (Text("is_deleted") is not null && isDeleted is null)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, 1001, "is_deleted must be true or false");
        }
        var (name, uuid, include, exclude, status) = (Text("name"), Text("uuid"), Text("include_prefix"), Text("exclude_prefix"), Text("status"));
        return ApiResults.List(store.List(t =>
            (name is null || t.Name == name)
            && (uuid is null || string.Equals(t.Id, uuid, StringComparison.OrdinalIgnoreCase))
            && (include is null || t.Name.StartsWith(include, StringComparison.Ordinal))
            && (exclude is null || !t.Name.StartsWith(exclude, StringComparison.Ordinal))
            && (status is null || t.Status == status)
            && (isDeleted is null || (t.DeletedAt is not null) == isDeleted)), request);
    }

    private static async Task<IResult> PutConfigurationAsync(string tunnelId, HttpRequest request, TunnelStore store)
    {
        if (await JsonBody.ReadObjectAsync(request) is not { } body)
        {
            return JsonBody.Malformed();
        }
        if (body["config"] is not JsonObject config)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, 1055, "Bad Configuration: the body needs a config object");
        }
        if (IngressConfiguration.TryParse(config, out var error) is null)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, 1055, $"Bad Configuration: Validation failed: {error}");
        }
        return store.PutConfiguration(tunnelId, (JsonObject)config.DeepClone()) is { } configuration
            ? ApiResults.Ok(configuration)
            : NotFound();
    }

    private static IResult NotFound() => ApiResults.Error(StatusCodes.Status404NotFound, 1003, "Tunnel not found");

    private static byte[]? TryBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }
}
