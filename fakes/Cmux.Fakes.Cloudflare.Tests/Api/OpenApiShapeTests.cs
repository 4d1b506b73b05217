using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cmux.Cloudflare;
using Cmux.Cloudflare.Api;
using Cmux.Provisioning;

namespace Cmux.Fakes.Cloudflare.Tests.Api;

/// <summary>
/// Every request the fake accepts and every response it sends, over a run that touches each call
/// cmux makes (successes and Cloudflare's errors), conforms to Cloudflare's published OpenAPI schema.
/// </summary>
public sealed class OpenApiShapeTests : CloudflareApiTests
{
    private readonly RecordingHandler _recorder;

    public OpenApiShapeTests()
        : this(new RecordingHandler())
    {
    }

    private OpenApiShapeTests(RecordingHandler recorder)
        : base(recorder) => _recorder = recorder;

    // Where the published schema disagrees with what the real API accepts; the fake follows the API.
    private static readonly Regex[] KnownSchemaDeviations =
    [
        // cloudflared's catch-all rule has no hostname (the dashboard sends it so); the schema requires one.
        new(@"^PUT /accounts/\{account_id}/cfd_tunnel/\{tunnel_id}/configurations request \$\.config\.ingress\[\d+\]: missing required hostname$"),
        // The record schema serves requests and responses alike and requires the server-assigned id without marking it readOnly.
        new(@"^(POST|PUT|PATCH) /zones/\{zone_id}/dns_records(/\{dns_record_id})? request \$: missing required id$"),
        // Cloudflare answers "comment": null for a record without one (real responses; cloudflare-python's
        // RecordCreateResponse declares comment always present); the 2024-08 schema does not mark it nullable.
        new(@"^(GET|POST|PUT|PATCH) /zones/\{zone_id}/dns_records(/\{dns_record_id})? response 200 \$\.result(\[\d+\])?: 0 of 20 oneOf alternatives match; closest: \$\.comment: null where string is expected \(not nullable\)$"),
        // PATCH takes a partial record; the schema reuses the full one.
        new(@"^PATCH /zones/\{zone_id}/dns_records/\{dns_record_id} request "),
    ];

    private static readonly OpenApiValidator Schema =
        OpenApiValidator.Load(Path.Combine(AppContext.BaseDirectory, "Api", "cloudflare-api-subset.openapi.json"));

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public async Task Requests_and_responses_match_the_openapi_subset()
    {
        await ExerciseEveryCallAsync();

        var exchanges = _recorder.Exchanges;
        exchanges.Select(e => e.Status).ShouldContain(s => s >= 400, "the run covers error responses too");
        var violations = exchanges.SelectMany(Violations).Where(v => !KnownSchemaDeviations.Any(d => d.IsMatch(v))).ToList();

        violations.ShouldBeEmpty(string.Join(Environment.NewLine, violations));
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.CloudflareApi)]
    public void The_validator_reports_shape_errors()
    {
        var tunnelResponse = Schema.Resolve(JsonNode.Parse("""{"$ref": "#/components/schemas/tunnel_tunnel-response-single"}""")!);

        Schema.Validate(JsonNode.Parse("""{"success": true, "errors": [], "messages": [], "result": {"id": "x", "status": "healthy"}}"""), tunnelResponse, request: false)
            .ShouldBeEmpty();
        Schema.Validate(JsonNode.Parse("""{"success": true, "errors": [], "result": {"status": "sleeping"}}"""), tunnelResponse, request: false)
            .ShouldBe(["$: missing required messages", "$.result: 0 of 2 anyOf alternatives match; closest: $.status: \"sleeping\" is not one of [\"inactive\",\"degraded\",\"healthy\",\"down\"]"],
                ignoreOrder: true);
    }

    private async Task ExerciseEveryCallAsync()
    {
        var provisioning = new ProvisioningOptions
        {
            AccountId = FakeAccount.AccountId,
            ZoneId = FakeAccount.ZoneId,
            Domain = FakeAccount.Domain,
            Access = true,
        };
        var result = await new TunnelProvisioner(Api, provisioning, TextWriter.Null).RunAsync();
        var account = $"accounts/{FakeAccount.AccountId}";
        var zone = $"zones/{FakeAccount.ZoneId}";

        await Http.GetAsync($"{account}/cfd_tunnel/{result.TunnelId}");
        await Http.PostAsJsonAsync($"{account}/cfd_tunnel", new { name = TunnelNames.Default, config_src = "cloudflare" });
        await Http.PutAsJsonAsync($"{account}/cfd_tunnel/{result.TunnelId}/configurations",
            new { config = new { ingress = new object[] { new { hostname = "a.*.example.test", service = "http://127.0.0.1:1" }, new { service = "http_status:404" } } } });
        await Http.PostAsJsonAsync($"{zone}/dns_records", new { type = "CNAME", name = "*", content = $"{result.TunnelId}.cfargotunnel.com", proxied = true });
        var record = (await Api.ListDnsRecordsAsync("pve." + FakeAccount.Domain)).Single();
        await Http.PatchAsJsonAsync($"{zone}/dns_records/{record.Id}", new { proxied = false });
        await Http.DeleteAsync($"{zone}/dns_records/{record.Id}");
        await Http.GetAsync($"{zone}/dns_records/{record.Id}");
        var app = (await Api.ListAccessApplicationsAsync()).Single();
        await Http.GetAsync($"{account}/access/apps/{app.Id}");
        await Api.CreateAccessPolicyAsync(app.Id, new AccessPolicy
        {
            Name = "webhooks",
            Decision = "bypass",
            Include = [new JsonObject { ["everyone"] = new JsonObject() }],
        });
        await Http.PostAsJsonAsync($"{account}/access/apps/{app.Id}/policies", new { name = "bad", decision = "maybe", include = Array.Empty<object>() });
        await Http.DeleteAsync($"{account}/cfd_tunnel/{result.TunnelId}");
        (await Http.GetAsync($"{account}/cfd_tunnel?is_deleted=true")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static IEnumerable<string> Violations(ApiExchange exchange)
    {
        var path = exchange.Path[(exchange.Path.IndexOf("/client/v4", StringComparison.Ordinal) + "/client/v4".Length)..];
        if (Schema.Operation(exchange.Method, path) is not var (template, operation))
        {
            yield return $"{exchange.Method} {path}: not an operation of the schema";
            yield break;
        }
        var label = $"{exchange.Method} {template}";
        // A request the API refused need not be well formed: some are sent wrong on purpose.
        if (exchange.Status < 400 && exchange.RequestBody is { Length: > 0 } body && operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } requestSchema)
        {
            foreach (var error in Schema.Validate(JsonNode.Parse(body), requestSchema, request: true))
            {
                yield return $"{label} request {error}";
            }
        }
        var responseSchema = ResponseSchema(operation, exchange.Status);
        if (responseSchema is null)
        {
            yield return $"{label}: status {exchange.Status} is not a documented response";
            yield break;
        }
        foreach (var error in Schema.Validate(JsonNode.Parse(exchange.ResponseBody), responseSchema, request: false))
        {
            yield return $"{label} response {exchange.Status} {error}";
        }
    }

    // Cloudflare documents 4XX bodies as allOf [success envelope, failure envelope], which no
    // document satisfies (success is enum [true] in one and [false] in the other); errors are
    // checked against the failure envelope alone.
    private static JsonNode? ResponseSchema(JsonObject operation, int status)
    {
        var responses = operation["responses"]!.AsObject();
        var response = responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            ?? (status >= 400 ? responses["4XX"] ?? responses["4xx"] : null);
        var schema = response?["content"]?["application/json"]?["schema"];
        if (schema is null || status < 400)
        {
            return schema;
        }
        return (schema["allOf"] as JsonArray)?.FirstOrDefault(part => part?["$ref"]?.GetValue<string>().EndsWith("-failure", StringComparison.Ordinal) == true)
            ?? schema;
    }
}
