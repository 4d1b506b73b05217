using System.Text.Json.Nodes;
using Cmux.Fakes.Pve.Auth;

namespace Cmux.Fakes.Pve.Api;

/// <summary>A request whose parameters passed the schema: values are already of their declared types.</summary>
public sealed class ApiRequest(Principal? principal, IReadOnlyDictionary<string, JsonNode?> parameters)
{
    /// <summary>The user tasks are recorded under (a token's full id, as PVE writes it into UPIDs).</summary>
    public string User => principal?.Id ?? "root@pam";

    /// <summary>Who is asking; null for the endpoints anyone may call.</summary>
    public Principal? Principal => principal;

    public bool Has(string name) => parameters.ContainsKey(name);

    public int Int(string name) => OptionalInt(name) ?? throw new InvalidOperationException($"the schema requires '{name}'");

    public int? OptionalInt(string name) => parameters.TryGetValue(name, out var v) && v is not null ? (int)v.GetValue<double>() : null;

    public string? Text(string name) => parameters.TryGetValue(name, out var v) ? v?.GetValue<string>() : null;

    public bool? Bool(string name) => parameters.TryGetValue(name, out var v) && v is not null ? v.GetValue<bool>() : null;

    /// <summary>Every parameter except the path's, as the text a config file stores.</summary>
    public IEnumerable<KeyValuePair<string, string>> Settings(params string[] except) => parameters
        .Where(p => !except.Contains(p.Key) && p.Value is not null)
        .Select(p => KeyValuePair.Create(p.Key, p.Value!.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.True => "1",
            System.Text.Json.JsonValueKind.False => "0",
            System.Text.Json.JsonValueKind.String => p.Value.GetValue<string>(),
            _ => p.Value.ToJsonString(),
        }));
}

/// <summary>What a handler answers: <c>data</c>, and for some endpoints top-level extras such as a log's <c>total</c>.</summary>
public sealed record ApiResult(JsonNode? Data, IReadOnlyDictionary<string, JsonNode?>? Extra = null)
{
    public static readonly ApiResult Null = new((JsonNode?)null);

    public static ApiResult Of(JsonNode? data) => new(data);
}

/// <summary>A group of handlers, registered by schema key (<c>GET /nodes/{node}/lxc</c>).</summary>
public interface IApiEndpoints
{
    void Register(IDictionary<string, Func<ApiRequest, Task<ApiResult>>> handlers);
}
