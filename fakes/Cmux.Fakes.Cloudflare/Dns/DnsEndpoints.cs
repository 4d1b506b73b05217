using System.Text.Json.Nodes;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Cloudflare.Api;

namespace Cmux.Fakes.Cloudflare.Dns;

/// <summary><c>/zones/{z}/dns_records</c>: create, list with filters, get, update (PUT, PATCH), delete.</summary>
public static class DnsEndpoints
{
    private static readonly HashSet<string> KnownTypes = new(StringComparer.Ordinal)
    {
        "A", "AAAA", "CAA", "CERT", "CNAME", "DNSKEY", "DS", "HTTPS", "LOC", "MX", "NAPTR", "NS", "PTR", "SMIMEA", "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "URI",
    };

    public static void MapDnsEndpoints(this IEndpointRouteBuilder api)
    {
        var records = api.MapGroup("/zones/{zoneId}/dns_records");
        records.MapGet("", List);
        records.MapPost("", (HttpRequest request, DnsStore store) => SaveAsync(request, store, null, patch: false));
        records.MapGet("/{recordId}", (string recordId, DnsStore store) =>
            store.Get(recordId) is { } record ? ApiResults.Ok(record) : NotFound());
        records.MapPut("/{recordId}", (string recordId, HttpRequest request, DnsStore store) => SaveAsync(request, store, recordId, patch: false));
        records.MapPatch("/{recordId}", (string recordId, HttpRequest request, DnsStore store) => SaveAsync(request, store, recordId, patch: true));
        records.MapDelete("/{recordId}", (string recordId, DnsStore store) =>
            store.Delete(recordId) is { } record ? ApiResults.Ok(new { id = record.Id }) : NotFound());
    }

    private static IResult List(HttpRequest request, DnsStore store)
    {
        var query = request.Query;
        string? Text(string key) => query.TryGetValue(key, out var value) && value.Count > 0 && value[0] is { Length: > 0 } text ? text : null;
        var name = Text("name") is { } given ? store.Qualify(given) : null;
        var (type, content, proxied) = (Text("type"), Text("content"), Text("proxied"));
        var filters = new List<Func<DnsRecord, bool>>();
        if (name is not null)
        {
            filters.Add(r => r.Name == name);
        }
        if (type is not null)
        {
            filters.Add(r => r.Type == type);
        }
        if (content is not null)
        {
            filters.Add(r => string.Equals(r.Content, content, StringComparison.OrdinalIgnoreCase));
        }
        if (proxied is not null)
        {
            filters.Add(r => string.Equals(r.Proxied?.ToString(), proxied, StringComparison.OrdinalIgnoreCase));
        }
        var any = Text("match") == "any";
        return ApiResults.List(store.List(r => filters.Count == 0 || (any ? filters.Any(f => f(r)) : filters.All(f => f(r)))), request);
    }

    private static async Task<IResult> SaveAsync(HttpRequest request, DnsStore store, string? id, bool patch)
    {
        var existing = id is null ? null : store.Get(id);
        if (id is not null && existing is null)
        {
            return NotFound();
        }
        if (await JsonBody.ReadObjectAsync(request) is not { } body)
        {
            return JsonBody.Malformed();
        }
        var type = JsonBody.String(body, "type") ?? (patch ? existing?.Type : null);
        var name = JsonBody.String(body, "name") ?? (patch ? existing?.Name : null);
        var content = JsonBody.String(body, "content") ?? (patch ? existing?.Content : null);
        if (type is null || !KnownTypes.Contains(type))
        {
            return Invalid(type is null ? "type is required" : $"unknown record type \"{type}\"");
        }
        if (string.IsNullOrWhiteSpace(name) || name.Length > 255)
        {
            return Invalid("name is required (at most 255 characters)");
        }
        if (string.IsNullOrWhiteSpace(content))
        {
            return Invalid("content is required");
        }
        var ttl = body["ttl"] is JsonValue ttlValue && ttlValue.TryGetValue<int>(out var t) ? t : patch ? existing?.Ttl : null;
        if (ttl is not (null or 1 or (>= 30 and <= 86400)))
        {
            return Invalid("ttl must be 1 (automatic) or between 30 and 86400");
        }
        var proxied = JsonBody.Bool(body, "proxied") ?? (patch ? existing?.Proxied : null);
        if (proxied == true && type is not ("A" or "AAAA" or "CNAME"))
        {
            return Invalid($"{type} records cannot be proxied");
        }
        var record = new DnsRecord
        {
            Type = type,
            Name = name,
            Content = content,
            Proxied = proxied,
            Ttl = ttl,
            Comment = JsonBody.String(body, "comment") ?? (patch ? existing?.Comment : null),
            Tags = body["tags"] is JsonArray tags ? [.. tags.Select(t => t?.ToString() ?? "")] : patch ? existing?.Tags : null,
            Settings = body["settings"] is JsonObject settings ? (JsonObject)settings.DeepClone() : patch ? existing?.Settings : null,
        };
        var (saved, conflict) = store.Save(id, record);
        return conflict is { } c
            ? ApiResults.Error(StatusCodes.Status400BadRequest, c.Code, c.Message)
            : ApiResults.Ok(saved);
    }

    private static IResult Invalid(string detail) => ApiResults.Error(StatusCodes.Status400BadRequest, 1004, $"DNS Validation Error: {detail}");

    private static IResult NotFound() => ApiResults.Error(StatusCodes.Status404NotFound, 81044, "Record does not exist.");
}
