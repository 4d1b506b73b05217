using System.Text.Json.Nodes;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Cloudflare.Api;

namespace Cmux.Fakes.Cloudflare.Access;

/// <summary>
/// <c>/accounts/{a}/access</c>: applications, their policies, service tokens; plus one call that is
/// not Cloudflare's, <c>POST /accounts/{a}/access/service_tokens/verify</c>, for the edge, which
/// needs to check secrets the public API never returns again.
/// </summary>
public static class AccessEndpoints
{
    private static readonly HashSet<string> Decisions = new(StringComparer.Ordinal) { "allow", "deny", "bypass", "non_identity" };

    public static void MapAccessEndpoints(this IEndpointRouteBuilder api)
    {
        var access = api.MapGroup("/accounts/{accountId}/access");
        access.MapGet("/apps", (HttpRequest request, AccessStore store) => ApiResults.List(store.Applications(), request));
        access.MapPost("/apps", CreateApplicationAsync);
        access.MapGet("/apps/{appId}", (string appId, AccessStore store) =>
            store.Application(appId) is { } app ? ApiResults.Ok(app) : AppNotFound());
        access.MapDelete("/apps/{appId}", (string appId, AccessStore store) =>
            store.DeleteApplication(appId) is { } app ? ApiResults.Ok(new { id = app.Id }) : AppNotFound());
        access.MapGet("/apps/{appId}/policies", (string appId, HttpRequest request, AccessStore store) =>
            store.Policies(appId) is { } policies ? ApiResults.List(policies, request) : AppNotFound());
        access.MapPost("/apps/{appId}/policies", CreatePolicyAsync);
        access.MapDelete("/apps/{appId}/policies/{policyId}", (string appId, string policyId, AccessStore store) =>
            store.DeletePolicy(appId, policyId) is { } policy ? ApiResults.Ok(new { id = policy.Id }) : PolicyNotFound());

        access.MapGet("/service_tokens", (HttpRequest request, AccessStore store) => ApiResults.List(store.ServiceTokens(), request));
        access.MapPost("/service_tokens", CreateServiceTokenAsync);
        access.MapDelete("/service_tokens/{tokenId}", (string tokenId, AccessStore store) =>
            store.DeleteServiceToken(tokenId) is { } token ? ApiResults.Ok(token) : ApiResults.Error(StatusCodes.Status404NotFound, 12130, "service token not found"));
        access.MapPost("/service_tokens/{tokenId}/rotate", (string tokenId, AccessStore store) =>
            store.RotateServiceToken(tokenId) is { } token ? ApiResults.Ok(token) : ApiResults.Error(StatusCodes.Status404NotFound, 12130, "service token not found"));
        access.MapPost("/service_tokens/verify", VerifyServiceTokenAsync);
    }

    private static async Task<IResult> CreateApplicationAsync(HttpRequest request, AccessStore store)
    {
        if (await JsonBody.ReadObjectAsync(request) is not { } body)
        {
            return JsonBody.Malformed();
        }
        var type = JsonBody.String(body, "type");
        var domain = JsonBody.String(body, "domain");
        if (type != "self_hosted")
        {
            return Invalid(type is null ? "type is required" : $"only self_hosted applications are supported, not \"{type}\"");
        }
        if (string.IsNullOrWhiteSpace(domain))
        {
            return Invalid("domain is required");
        }
        var policies = new List<AccessPolicy>();
        foreach (var node in body["policies"] as JsonArray ?? [])
        {
            if (node is not JsonObject policyBody)
            {
                return Invalid("policies must be objects");
            }
            if (ParsePolicy(policyBody, out var error) is not { } policy)
            {
                return Invalid(error);
            }
            policies.Add(policy);
        }
        var app = new AccessApplication
        {
            Name = JsonBody.String(body, "name") ?? domain,
            Domain = domain,
            SelfHostedDomains = [domain],
            Destinations = [new JsonObject { ["type"] = "public", ["uri"] = domain }],
            SessionDuration = JsonBody.String(body, "session_duration") ?? "24h",
        };
        return ApiResults.Ok(store.AddApplication(app, policies), StatusCodes.Status201Created);
    }

    private static async Task<IResult> CreatePolicyAsync(string appId, HttpRequest request, AccessStore store)
    {
        if (await JsonBody.ReadObjectAsync(request) is not { } body)
        {
            return JsonBody.Malformed();
        }
        if (ParsePolicy(body, out var error) is not { } policy)
        {
            return Invalid(error);
        }
        return store.AddPolicy(appId, policy) is { } stored ? ApiResults.Ok(stored, StatusCodes.Status201Created) : AppNotFound();
    }

    private static AccessPolicy? ParsePolicy(JsonObject body, out string error)
    {
        var name = JsonBody.String(body, "name");
        var decision = JsonBody.String(body, "decision");
        error = string.IsNullOrWhiteSpace(name) ? "policy name is required"
            : decision is null || !Decisions.Contains(decision) ? $"decision must be one of {string.Join(", ", Decisions)}"
            : body["include"] is not JsonArray { Count: > 0 } ? "include needs at least one rule"
            : "";
        if (error.Length > 0)
        {
            return null;
        }
        return new AccessPolicy
        {
            Name = name!,
            Decision = decision!,
            Include = (JsonArray)body["include"]!.DeepClone(),
            Exclude = body["exclude"]?.DeepClone() as JsonArray ?? [],
            Require = body["require"]?.DeepClone() as JsonArray ?? [],
            Precedence = body["precedence"] is JsonValue p && p.TryGetValue<int>(out var precedence) ? precedence : null,
        };
    }

    private static async Task<IResult> CreateServiceTokenAsync(HttpRequest request, AccessStore store)
    {
        if (await JsonBody.ReadObjectAsync(request) is not { } body)
        {
            return JsonBody.Malformed();
        }
        var name = JsonBody.String(body, "name");
        return string.IsNullOrWhiteSpace(name)
            ? Invalid("name is required")
            : ApiResults.Ok(store.AddServiceToken(name, JsonBody.String(body, "duration") ?? "8760h"), StatusCodes.Status201Created);
    }

    private static async Task<IResult> VerifyServiceTokenAsync(HttpRequest request, AccessStore store)
    {
        if (await JsonBody.ReadObjectAsync(request) is not { } body)
        {
            return JsonBody.Malformed();
        }
        return store.Verify(JsonBody.String(body, "client_id") ?? "", JsonBody.String(body, "client_secret") ?? "") is { } token
            ? ApiResults.Ok(token)
            : ApiResults.Error(StatusCodes.Status403Forbidden, 12000, "invalid service token credentials");
    }

    private static IResult Invalid(string detail) => ApiResults.Error(StatusCodes.Status400BadRequest, 12130, $"access.api.error.invalid_request: {detail}");

    private static IResult AppNotFound() => ApiResults.Error(StatusCodes.Status404NotFound, 12130, "access.api.error.not_found: application not found");

    private static IResult PolicyNotFound() => ApiResults.Error(StatusCodes.Status404NotFound, 12130, "access.api.error.not_found: policy not found");
}
