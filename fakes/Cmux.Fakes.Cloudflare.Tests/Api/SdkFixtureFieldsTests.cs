using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cmux.Cloudflare.Api;
using Cmux.Provisioning;
using static Cmux.Fakes.Cloudflare.Tests.Api.GoSdkFixtures;

namespace Cmux.Fakes.Cloudflare.Tests.Api;

/// <summary>
/// Every field of the real answers Cloudflare wrote into its Go SDK's tests (<see cref="GoSdkFixtures"/>)
/// is in the fake's answer with the same JSON kind, for each resource cmux makes, created the way cmux
/// creates it (the provisioning tool's own traffic) and read back. The schema says what may be there;
/// these answers show what is.
/// </summary>
public sealed class SdkFixtureFieldsTests : CloudflareApiTests
{
    private const string Account = $"accounts/{FakeAccount.AccountId}";

    // Fixture fields the fake leaves out, each with its reason; an entry no longer needed fails the test.
    private static readonly Dictionary<string, string> Allowed = new(StringComparer.Ordinal)
    {
        ["record.zone_id"] = "Cloudflare stopped returning the zone on records: API deprecation \"Zone information in individual DNS records\" (end of life 2024-11-30), DNS changelog 2025-01-27",
        ["record.zone_name"] = "as zone_id",
        ["record.data"] = "only structured types (SRV, CAA, LOC, ...) carry data: the 2024-08 schema's A and CNAME records have none, and cmux writes CNAMEs",
        ["record.meta.auto_added"] = "removed from meta by Cloudflare (DNS changelog \"Removal of unused DNS record meta fields\", 2025; cloudflare/cloudflare-docs#19345), and only ever set on records Cloudflare added itself",
        ["record.meta.source"] = "where a record came from (e.g. a zone import); answers for records created through the API in 2024-25 carry none, and the current reference leaves meta free-form",
        ["tunnel.deleted_at"] = "only on a deleted tunnel (the fixture's is one); the deleted-tunnel case checks it",
        ["tunnel.connections[]"] = "no connectors: the fake edge serves the tunnel, no cloudflared connects to the fake API, so connections is []",
        ["deleted tunnel.connections[]"] = "as for a live tunnel",
        ["configuration.config.warp-routing"] = "WARP private routing, which cmux does not put (cloudflared ignores warp-routing.enabled since 2023.9.0; cloudflare/terraform-provider-cloudflare#6471 dropped it); the fake answers the configuration as put",
        ["configuration.config.originRequest"] = "top-level origin defaults, which cmux does not put (its rule-level originRequest is checked); the fake answers the configuration as put",
        ["application (create).policies[]"] = "cmux creates the application bare and adds its policy afterwards (the fixture links policies in the create); the get and list cases check the embedded policy",
        ["application.policies[].reusable"] = "the fixture's policy is a reusable (account-level) one; cmux's are app-scoped, which the 2024-08 schema documents without reusable",
        ["policy.purpose_justification_prompt"] = "only with purpose_justification_required, which the fake does not model",
        ["policy.approval_groups[]"] = "approvals, which the fake does not model (approval_required false, approval_groups [])",
    };

    private static readonly string[] UnsetApplicationSettings =
    [
        "custom_deny_url", "custom_non_identity_deny_url", "custom_deny_message", "logo_url", "allow_authenticate_via_warp",
        "path_cookie_attribute", "same_site_cookie_attribute", "custom_pages",
    ];

    private readonly RecordingHandler _recorder;

    static SdkFixtureFieldsTests()
    {
        foreach (var name in UnsetApplicationSettings)
        {
            // As DocumentedFieldsTests allows them: the fixture's application has them set.
            Allowed[$"application.{name}"] = "an optional self-hosted setting the fake neither accepts nor returns; Cloudflare returns it once set";
        }
    }

    public SdkFixtureFieldsTests()
        : this(new RecordingHandler())
    {
    }

    private SdkFixtureFieldsTests(RecordingHandler recorder)
        : base(recorder) => _recorder = recorder;

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task A_tunnel_has_the_fields_of_the_sdk_fixtures()
    {
        var result = await ProvisionAsync();
        var tunnel = $"{Account}/cfd_tunnel/{result.TunnelId}";
        var cases = new List<Case>
        {
            new("tunnel", "create", Sent("POST", "/cfd_tunnel"), FullTunnel),
            new("tunnel", "get", await ReadAsync(tunnel), FullTunnel),
            new("tunnel", "list", await ReadAsync($"{Account}/cfd_tunnel?is_deleted=false"), ListedTunnel),
        };
        using var deleted = await Http.DeleteAsync(tunnel);
        cases.Add(new("deleted tunnel", "delete", Result(await deleted.Content.ReadFromJsonAsync<JsonNode>()), FullTunnel));

        ShouldMatch(cases);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task A_tunnel_configuration_has_the_fields_of_the_sdk_fixture()
    {
        var result = await ProvisionAsync();

        ShouldMatch(
        [
            new("configuration", "put", Sent("PUT", "/configurations"), Configuration),
            new("configuration", "get", await ReadAsync($"{Account}/cfd_tunnel/{result.TunnelId}/configurations"), Configuration),
        ]);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task A_dns_record_has_the_fields_of_the_sdk_fixtures()
    {
        await ProvisionAsync();
        var zone = $"zones/{FakeAccount.ZoneId}/dns_records";
        var created = Sent("POST", "/dns_records");
        var cases = new List<Case>
        {
            new("record", "create", created, PlainRecord),
            new("record", "list", await ReadAsync(zone), PlainRecord),
        };
        // The fixture read back has a comment and tags; the record cmux creates has neither.
        using var patched = await Http.PatchAsJsonAsync($"{zone}/{created["id"]!.GetValue<string>()}", new { comment = "sandboxes", tags = new[] { "owner:cmux" } });
        patched.EnsureSuccessStatusCode();
        cases.Add(new("record", "get", await ReadAsync($"{zone}/{created["id"]!.GetValue<string>()}"), RecordWithComment));

        ShouldMatch(cases);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task An_access_application_has_the_fields_of_the_sdk_fixtures()
    {
        await ProvisionAsync();
        var created = Sent("POST", "/access/apps");

        ShouldMatch(
        [
            new("application", "create", created, CreatedApplication),
            new("application", "get", await ReadAsync($"{Account}/access/apps/{created["id"]!.GetValue<string>()}"), ReadApplication),
            new("application", "list", await ReadAsync($"{Account}/access/apps"), ListedApplication),
        ]);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task An_access_policy_has_the_fields_of_the_sdk_fixtures()
    {
        await ProvisionAsync();
        var app = Sent("POST", "/access/apps")["id"]!.GetValue<string>();
        // cmux's Service Auth policy has a service_token rule, not the fixture's email rules: its rules are
        // left out here, and a policy with the fixture's rules checks how the fake keeps them.
        var serviceAuth = Sent("POST", "/policies");
        var listed = await ReadAsync($"{Account}/access/apps/{app}/policies");
        await Api.CreateAccessPolicyAsync(app, new AccessPolicy { Name = "devs", Decision = "allow", Include = [Email()], Exclude = [Email()], Require = [Email()] });

        ShouldMatch(
        [
            new("policy", "create", serviceAuth, TopLevel(Policy)),
            new("policy", "list", listed, TopLevel(Policy)),
            new("policy", "create with email rules", Sent("POST", "/policies"), Policy),
        ]);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task A_service_token_has_the_fields_of_the_sdk_fixtures()
    {
        await ProvisionAsync();
        var created = Sent("POST", "/access/service_tokens");
        var listed = await ReadAsync($"{Account}/access/service_tokens");
        await Api.RotateServiceTokenAsync(created["id"]!.GetValue<string>());

        ShouldMatch(
        [
            new("service token", "create", created, IssuedServiceToken),
            new("service token", "list", listed, ListedServiceToken),
            new("service token", "rotate", Sent("POST", "/rotate"), IssuedServiceToken),
        ]);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public void The_comparison_reports_missing_fields_empty_arrays_and_other_kinds()
    {
        var answer = JsonNode.Parse("""
            {"id": "a", "ttl": "1", "meta": {}, "connections": [], "comment": null,
             "ingress": [{"hostname": "x", "service": "s"}, {"service": "t"}]}
            """)!.AsObject();
        var fixture = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["id"] = Str, ["name"] = Str, ["ttl"] = Num, ["comment"] = Str, ["meta"] = Obj, ["meta.source"] = Str,
            ["connections"] = Arr, ["connections[].id"] = Str, ["connections[].origin_ip"] = Str,
            ["ingress[].hostname"] = Str, ["ingress[].service"] = Str, ["ingress[].path"] = Str,
        };

        Differences(answer, fixture).ShouldBe(new Dictionary<string, string>
        {
            ["name"] = "missing",
            ["ttl"] = "string where the fixture has number",
            ["comment"] = "null where the fixture has string",
            ["meta.source"] = "missing",
            ["connections[]"] = "no entries where the fixture has some",
            ["ingress[].path"] = "missing",
        }, ignoreOrder: true);
    }

    private static JsonObject Email() => new() { ["email"] = new JsonObject { ["email"] = "dev@example.test" } };

    private async Task<ProvisioningResult> ProvisionAsync() => await new TunnelProvisioner(Api, new ProvisioningOptions
    {
        AccountId = FakeAccount.AccountId,
        ZoneId = FakeAccount.ZoneId,
        Domain = FakeAccount.Domain,
        Access = true,
    }, TextWriter.Null).RunAsync();

    /// <summary>The result of the last recorded <paramref name="method"/> call whose path ends so.</summary>
    private JsonObject Sent(string method, string pathEnd) =>
        Result(JsonNode.Parse(_recorder.Exchanges.Last(e => e.Method == method && e.Path.EndsWith(pathEnd, StringComparison.Ordinal)).ResponseBody));

    private async Task<JsonObject> ReadAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return Result(await response.Content.ReadFromJsonAsync<JsonNode>());
    }

    // A list's first entry stands for the list form.
    private static JsonObject Result(JsonNode? envelope) => envelope!["result"] switch
    {
        JsonArray list => list[0]!.AsObject(),
        var single => single!.AsObject(),
    };

    private static void ShouldMatch(IReadOnlyList<Case> cases)
    {
        // An allowance names the resource, or the resource and one form of it: "application (create).policies[]".
        var found = cases
            .SelectMany(c => Differences(c.Answer, c.Fixture).Select(d =>
            {
                var key = new[] { $"{c.Resource} ({c.Form}).{d.Key}", $"{c.Resource}.{d.Key}" }.FirstOrDefault(Allowed.ContainsKey);
                return (Key: key, Text: $"{c.Resource} ({c.Form}) {d.Key}: {d.Value}");
            }))
            .ToList();
        var unexpected = found.Where(d => d.Key is null).Select(d => d.Text).ToList();
        unexpected.ShouldBeEmpty(string.Join(Environment.NewLine, unexpected));

        var resources = cases.SelectMany(c => new[] { $"{c.Resource}.", $"{c.Resource} (" }).Distinct().ToList();
        var unused = Allowed.Keys
            .Where(k => resources.Any(r => k.StartsWith(r, StringComparison.Ordinal)) && found.All(d => d.Key != k))
            .ToList();
        unused.ShouldBeEmpty("allowances no longer needed: " + string.Join(", ", unused));
    }

    /// <summary>Each fixture path the answer lacks or holds with another kind, reported at the first step
    /// that fails (a missing object once, not once per field under it).</summary>
    private static Dictionary<string, string> Differences(JsonObject answer, IReadOnlyDictionary<string, string> fixture)
    {
        var differences = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, kind) in fixture)
        {
            var (at, problem) = Check(answer, path, kind);
            if (problem is not null)
            {
                differences.TryAdd(at, problem);
            }
        }
        return differences;
    }

    private static (string At, string? Problem) Check(JsonObject answer, string path, string kind)
    {
        List<JsonNode?> nodes = [answer];
        var at = "";
        foreach (var step in path.Split('.'))
        {
            var name = step.EndsWith("[]", StringComparison.Ordinal) ? step[..^2] : step;
            at = at.Length == 0 ? name : $"{at}.{name}";
            nodes = [.. nodes.OfType<JsonObject>().Where(o => o.ContainsKey(name)).Select(o => o[name])];
            if (nodes.Count == 0)
            {
                return (at, "missing");
            }
            if (step.EndsWith("[]", StringComparison.Ordinal))
            {
                at += "[]";
                nodes = [.. nodes.OfType<JsonArray>().SelectMany(a => a)];
                if (nodes.Count == 0)
                {
                    return (at, "no entries where the fixture has some");
                }
            }
        }
        var other = nodes.Select(KindOf).FirstOrDefault(k => k != kind);
        return (at, other is null ? null : $"{other} where the fixture has {kind}");
    }

    private static string KindOf(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => Obj,
        JsonValueKind.Array => Arr,
        JsonValueKind.String => Str,
        JsonValueKind.Number => Num,
        JsonValueKind.True or JsonValueKind.False => Bool,
        var unknown => unknown.ToString()!,
    };

    private sealed record Case(string Resource, string Form, JsonObject Answer, IReadOnlyDictionary<string, string> Fixture);
}
