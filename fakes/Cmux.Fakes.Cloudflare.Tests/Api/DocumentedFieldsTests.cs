using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cmux.Cloudflare.Api;
using Cmux.Provisioning;

namespace Cmux.Fakes.Cloudflare.Tests.Api;

/// <summary>
/// Every field real Cloudflare returns, not only the schema's <c>required</c> ones: each resource
/// the fake serves carries every property its response schema documents (Cloudflare's OpenAPI,
/// 2024-08), and DNS records carry what the official Python SDK (cloudflare-python,
/// <c>types/dns/record_create_response.py</c>) declares as always present, with the same JSON kinds.
/// </summary>
public sealed class DocumentedFieldsTests : CloudflareApiTests
{
    private static readonly OpenApiValidator Schema =
        OpenApiValidator.Load(Path.Combine(AppContext.BaseDirectory, "Api", "cloudflare-api-subset.openapi.json"));

    // Documented properties of features the fake does not model, each with its reason.
    private static readonly Dictionary<string, string> NotModelled = new(StringComparer.Ordinal)
    {
        ["tunnel.conns_active_at"] = "set once a connector connects; the fake's tunnels have no connectors",
        ["tunnel.conns_inactive_at"] = "set once the last connector disconnects; the fake's tunnels have no connectors",
        ["tunnel.deleted_at"] = "only on a deleted tunnel",
        ["policy.purpose_justification_prompt"] = "only with purpose_justification_required, which the fake does not model",
    };

    // The application schema's anyOf also lets a self-hosted app validate as a SaaS app and as the App
    // Launcher; their own settings are not a self-hosted app's. And optional self-hosted settings
    // the fake neither accepts nor returns (Cloudflare returns them once set).
    private static readonly string[] OtherApplicationTypes =
    [
        "saas_app", "scim_config", "app_launcher_logo_url", "bg_color", "footer_links", "header_bg_color", "landing_page_design",
        "skip_app_launcher_login_page",
    ];

    private static readonly string[] UnsetSelfHostedSettings =
    [
        "allow_authenticate_via_warp", "cors_headers", "custom_deny_message", "custom_deny_url", "custom_non_identity_deny_url",
        "custom_pages", "logo_url", "path_cookie_attribute", "same_site_cookie_attribute",
    ];

    static DocumentedFieldsTests()
    {
        foreach (var name in OtherApplicationTypes)
        {
            NotModelled[$"application.{name}"] = "a SaaS or App Launcher setting, not a self-hosted app's";
        }
        foreach (var name in UnsetSelfHostedSettings)
        {
            NotModelled[$"application.{name}"] = "an optional self-hosted setting the fake does not accept, returned by Cloudflare once set";
        }
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task A_record_has_every_field_the_sdk_declares_present_with_its_kind()
    {
        var zone = $"zones/{FakeAccount.ZoneId}/dns_records";
        using var created = await Http.PostAsJsonAsync(zone, new { type = "CNAME", name = "www", content = "example.net", proxied = true });
        var record = (await created.Content.ReadFromJsonAsync<JsonObject>())!["result"]!.AsObject();

        // id, comment, created_on, meta, modified_on, name, proxiable, proxied, settings, tags, ttl (the SDK's non-optional fields).
        Kinds(record).ShouldBe(new Dictionary<string, string>
        {
            ["id"] = "string", ["name"] = "string", ["type"] = "string", ["content"] = "string",
            ["proxiable"] = "boolean", ["proxied"] = "boolean", ["ttl"] = "number",
            ["settings"] = "object", ["meta"] = "object", ["comment"] = "null", ["tags"] = "array",
            ["created_on"] = "string", ["modified_on"] = "string",
        }, ignoreOrder: true);

        using var patched = await Http.PatchAsJsonAsync($"{zone}/{record["id"]}", new { comment = "sandboxes", tags = new[] { "owner:cmux" } });
        var commented = (await patched.Content.ReadFromJsonAsync<JsonObject>())!["result"]!.AsObject();

        // Present only once there is a comment, and tags.
        commented["comment"]!.GetValue<string>().ShouldBe("sandboxes");
        commented["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["owner:cmux"]);
        commented["comment_modified_on"].ShouldNotBeNull();
        commented["tags_modified_on"].ShouldNotBeNull();
        DateTimeOffset.Parse(commented["created_on"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeLessThanOrEqualTo(DateTimeOffset.Parse(commented["modified_on"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task Each_resource_carries_every_property_its_schema_documents()
    {
        var result = await new TunnelProvisioner(Api, new ProvisioningOptions
        {
            AccountId = FakeAccount.AccountId,
            ZoneId = FakeAccount.ZoneId,
            Domain = FakeAccount.Domain,
            Access = true,
        }, TextWriter.Null).RunAsync();
        var account = $"accounts/{FakeAccount.AccountId}";
        var app = (await Api.ListAccessApplicationsAsync()).Single();
        var record = (await Api.ListDnsRecordsAsync()).First();
        using var newToken = await Http.PostAsJsonAsync($"{account}/access/service_tokens", new { name = "fields" });

        var missing = new List<string>();
        await CheckAsync("GET", $"{account}/cfd_tunnel/{result.TunnelId}", "tunnel", missing);
        // The 2024-08 schema types this result as any object; the API reference's example lists these.
        await CheckAsync("GET", $"{account}/cfd_tunnel/{result.TunnelId}/configurations", "configuration", missing,
            ["account_id", "config", "created_at", "source", "tunnel_id", "version"]);
        await CheckAsync("GET", $"zones/{FakeAccount.ZoneId}/dns_records/{record.Id}", "record", missing);
        await CheckAsync("GET", $"{account}/access/apps/{app.Id}", "application", missing);
        await CheckAsync("GET", $"{account}/access/apps/{app.Id}/policies", "policy", missing);
        await CheckAsync("GET", $"{account}/access/service_tokens", "service token", missing);
        Check("POST", $"/{account}/access/service_tokens", "created service token", (await newToken.Content.ReadFromJsonAsync<JsonObject>())!, 201, missing);

        missing.Where(m => !NotModelled.ContainsKey(m)).ShouldBeEmpty();
        NotModelled.Keys.Where(k => !missing.Contains(k)).ShouldBeEmpty("an allowance no longer needed");
    }

    private async Task CheckAsync(string method, string path, string label, List<string> missing, string[]? referenced = null)
    {
        using var response = await Http.GetAsync(path);
        Check(method, "/" + path, label, (await response.Content.ReadFromJsonAsync<JsonObject>())!, (int)response.StatusCode, missing, referenced);
    }

    private static void Check(string method, string path, string label, JsonObject envelope, int status, List<string> missing, string[]? referenced = null)
    {
        var (_, operation) = Schema.Operation(method, path) ?? throw new InvalidOperationException($"{method} {path} is not in the schema");
        var responseSchema = operation["responses"]![status.ToString(System.Globalization.CultureInfo.InvariantCulture)]!["content"]!["application/json"]!["schema"]!;
        var result = envelope["result"]!;
        var item = result is JsonArray array ? array[0]! : result;
        // The envelope's parts each say something of result (the common one: any object); every part counts.
        var documented = ResultSchemas(responseSchema)
            .Select(schema => Schema.Resolve(schema)["items"] ?? schema)
            .SelectMany(schema => DocumentedProperties(schema, item))
            .Concat(referenced ?? [])
            .Distinct()
            .ToList();
        documented.ShouldNotBeEmpty($"{label}: the schema documents no property");
        foreach (var property in documented)
        {
            if (!item.AsObject().ContainsKey(property))
            {
                missing.Add($"{label}.{property}");
            }
        }
    }

    // Every schema of the envelope's result, wherever allOf/anyOf put them.
    private static IEnumerable<JsonNode> ResultSchemas(JsonNode schema)
    {
        var resolved = Schema.Resolve(schema);
        if (resolved["properties"]?["result"] is { } result)
        {
            yield return result;
        }
        foreach (var key in new[] { "allOf", "anyOf", "oneOf" })
        {
            foreach (var part in resolved[key] as JsonArray ?? [])
            {
                foreach (var found in ResultSchemas(part!))
                {
                    yield return found;
                }
            }
        }
    }

    // Every property of the schema: all of allOf, and of the anyOf/oneOf alternatives the value matches.
    private static IEnumerable<string> DocumentedProperties(JsonNode schema, JsonNode value)
    {
        var resolved = Schema.Resolve(schema);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in resolved["properties"] as JsonObject ?? [])
        {
            names.Add(name);
        }
        foreach (var part in resolved["allOf"] as JsonArray ?? [])
        {
            names.UnionWith(DocumentedProperties(part!, value));
        }
        foreach (var key in new[] { "anyOf", "oneOf" })
        {
            foreach (var part in resolved[key] as JsonArray ?? [])
            {
                // An alternative the value matches, but for the comment Cloudflare answers as null (see OpenApiShapeTests).
                if (Schema.Validate(value, part!, request: false).All(e => e.StartsWith("$.comment: null where", StringComparison.Ordinal)))
                {
                    names.UnionWith(DocumentedProperties(part!, value));
                }
            }
        }
        return names;
    }

    private static Dictionary<string, string> Kinds(JsonObject value) =>
        value.ToDictionary(p => p.Key, p => p.Value is null ? "null" : p.Value.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.Object => "object",
            System.Text.Json.JsonValueKind.Array => "array",
            System.Text.Json.JsonValueKind.String => "string",
            System.Text.Json.JsonValueKind.Number => "number",
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
            var other => other.ToString(),
        });
}
