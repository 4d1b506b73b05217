namespace Cmux.Fakes.Cloudflare.Tests.Api;

/// <summary>
/// The fields, and their JSON kinds, of the responses Cloudflare wrote into the unit tests of its Go
/// SDK (cloudflare/cloudflare-go, the v0 line: mock servers answering with full response bodies).
/// Only names and kinds are recorded here, in our own terms; no fixture text is copied.
/// A path is dotted; <c>name[]</c> steps into an array's entries, and a field under it is present when
/// at least one entry carries it (the fixtures' own entries differ, e.g. a catch-all rule has no hostname).
/// </summary>
/// <remarks>
/// Read in the last v0 form, as the copy StackExchange/dnscontrol keeps under <c>pkg/cloudflare-go</c>
/// (commits 849355123bfdc4c0e50ed525ae01b8c5d1bad59d, 7fd6a74e0c8f0e17dc8fd36302313fb0bf49b92b,
/// 90a0ed6c6bd1f222a781a73b33dc9b41c98e899a). Earlier versions in cloudflare/cloudflare-go itself differ
/// where noted on each set.
/// </remarks>
internal static class GoSdkFixtures
{
    public const string Str = "string";
    public const string Num = "number";
    public const string Bool = "boolean";
    public const string Obj = "object";
    public const string Arr = "array";

    // dns_test.go, TestCreateDNSRecord (and TestListDNSRecords, the same record in a list).
    // cloudflare/cloudflare-go's dns_test.go at 0f63f350236b93e46c30a9f86cb395b46632e99b also has "locked" (boolean),
    // dropped from the fixture once Cloudflare stopped returning it.
    public static readonly IReadOnlyDictionary<string, string> PlainRecord = Fields(
        ("id", Str), ("type", Str), ("name", Str), ("content", Str),
        ("proxiable", Bool), ("proxied", Bool), ("ttl", Num),
        ("zone_id", Str), ("zone_name", Str),
        ("created_on", Str), ("modified_on", Str),
        ("data", Obj), ("meta", Obj), ("meta.auto_added", Bool), ("meta.source", Str));

    // dns_test.go, TestGetDNSRecord: the same record with a comment and tags.
    public static readonly IReadOnlyDictionary<string, string> RecordWithComment = Plus(PlainRecord, ("comment", Str), ("tags", Arr));

    // testdata/fixtures/tunnel/single_full.json, served by tunnel_test.go TestCreateTunnel, TestGetTunnel and
    // TestDeleteTunnel (cloudflare/cloudflare-go at e9b402b553aac59eebb184ee7f31b9597eb89686: the same fields).
    public static readonly IReadOnlyDictionary<string, string> FullTunnel = Fields(
        ("id", Str), ("name", Str), ("created_at", Str), ("deleted_at", Str),
        ("connections", Arr), ("connections[].colo_name", Str), ("connections[].id", Str),
        ("connections[].is_pending_reconnect", Bool), ("connections[].client_id", Str),
        ("connections[].client_version", Str), ("connections[].opened_at", Str), ("connections[].origin_ip", Str),
        ("status", Str), ("tun_type", Str), ("remote_config", Bool));

    // testdata/fixtures/tunnel/multiple_full.json, served by tunnel_test.go TestListTunnels: a listed tunnel
    // there has no status, tun_type or remote_config.
    public static readonly IReadOnlyDictionary<string, string> ListedTunnel = Without(FullTunnel, "status", "tun_type", "remote_config");

    // testdata/fixtures/tunnel/configuration.json, served by tunnel_test.go TestGetTunnelConfiguration and
    // TestUpdateTunnelConfiguration. (cloudflare/cloudflare-go's tunnel_test.go at
    // e80f24351727f1f042f7ff41c1f8f5a987ac084a answered config as a JSON-encoded string; the SDK later read
    // it as the object it is, and its fixture at 21579f74828cc3b8347e1362e49653d93bf4727a is an object.)
    public static readonly IReadOnlyDictionary<string, string> Configuration = Fields(
        ("config", Obj),
        ("config.warp-routing", Obj), ("config.warp-routing.enabled", Bool),
        ("config.originRequest", Obj), ("config.originRequest.connectTimeout", Num),
        ("config.ingress", Arr), ("config.ingress[].hostname", Str), ("config.ingress[].service", Str),
        ("config.ingress[].originRequest", Obj), ("config.ingress[].originRequest.noTLSVerify", Bool),
        ("tunnel_id", Str), ("version", Num), ("created_at", Str));

    // access_application_test.go: what its self-hosted application answers have in common
    // (cloudflare/cloudflare-go at 9be5900fa58663c559abde5720345e6d8c31666a predates policies and
    // options_preflight_bypass in them).
    private static readonly IReadOnlyDictionary<string, string> Application = Fields(
        ("id", Str), ("created_at", Str), ("updated_at", Str), ("aud", Str), ("name", Str), ("domain", Str),
        ("type", Str), ("session_duration", Str), ("allowed_idps", Arr),
        ("auto_redirect_to_identity", Bool), ("enable_binding_cookie", Bool),
        ("custom_deny_url", Str), ("custom_non_identity_deny_url", Str), ("custom_deny_message", Str), ("logo_url", Str),
        ("skip_interstitial", Bool), ("app_launcher_visible", Bool), ("service_auth_401_redirect", Bool),
        ("allow_authenticate_via_warp", Bool), ("options_preflight_bypass", Bool),
        ("policies", Arr), ("policies[].id", Str), ("policies[].precedence", Num), ("policies[].reusable", Bool),
        ("policies[].decision", Str), ("policies[].created_at", Str), ("policies[].updated_at", Str),
        ("policies[].name", Str), ("policies[].include", Arr));

    // access_application_test.go, TestCreateAccessApplications.
    public static readonly IReadOnlyDictionary<string, string> CreatedApplication = Plus(Application, ("self_hosted_domains", Arr), ("tags", Arr));

    // access_application_test.go, TestAccessApplication.
    public static readonly IReadOnlyDictionary<string, string> ReadApplication = Plus(Application,
        ("self_hosted_domains", Arr), ("http_only_cookie_attribute", Bool), ("path_cookie_attribute", Bool));

    // access_application_test.go, TestAccessApplications (a listed application).
    public static readonly IReadOnlyDictionary<string, string> ListedApplication = Plus(Application,
        ("http_only_cookie_attribute", Bool), ("same_site_cookie_attribute", Str), ("path_cookie_attribute", Bool),
        ("custom_pages", Arr), ("tags", Arr));

    // access_policy_test.go, TestAccessPolicy, TestCreateAccessPolicy and TestAccessPolicies (the same policy);
    // cloudflare/cloudflare-go at ceb9bd11430aa316ca3fee6a227e49710d481fa1 has the same fields.
    public static readonly IReadOnlyDictionary<string, string> Policy = Fields(
        ("id", Str), ("precedence", Num), ("decision", Str), ("created_at", Str), ("updated_at", Str), ("name", Str),
        ("include", Arr), ("include[].email", Obj), ("include[].email.email", Str),
        ("exclude", Arr), ("exclude[].email", Obj), ("exclude[].email.email", Str),
        ("require", Arr), ("require[].email", Obj), ("require[].email.email", Str),
        ("isolation_required", Bool), ("purpose_justification_required", Bool), ("purpose_justification_prompt", Str),
        ("approval_required", Bool), ("session_duration", Str),
        ("approval_groups", Arr), ("approval_groups[].email_list_uuid", Str),
        ("approval_groups[].approvals_needed", Num), ("approval_groups[].email_addresses", Arr));

    // access_service_tokens_test.go, TestAccessServiceTokens (a listed token; cloudflare/cloudflare-go at
    // 94cefa0556bc463b4a2e35ead70a7133a9ec2da7 predates duration).
    public static readonly IReadOnlyDictionary<string, string> ListedServiceToken = Fields(
        ("created_at", Str), ("updated_at", Str), ("expires_at", Str),
        ("id", Str), ("name", Str), ("client_id", Str), ("duration", Str));

    // access_service_tokens_test.go, TestCreateAccessServiceToken and TestRotateAccessServiceToken: the only
    // answers that carry the secret.
    public static readonly IReadOnlyDictionary<string, string> IssuedServiceToken = Plus(ListedServiceToken, ("client_secret", Str));

    /// <summary>The fields that are not nested: for an answer whose nested parts are the caller's own input.</summary>
    public static IReadOnlyDictionary<string, string> TopLevel(IReadOnlyDictionary<string, string> fixture) =>
        fixture.Where(f => !f.Key.Contains('.', StringComparison.Ordinal) && !f.Key.Contains("[]", StringComparison.Ordinal))
            .ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);

    private static Dictionary<string, string> Fields(params (string Path, string Kind)[] fields) =>
        fields.ToDictionary(f => f.Path, f => f.Kind, StringComparer.Ordinal);

    private static Dictionary<string, string> Plus(IReadOnlyDictionary<string, string> fixture, params (string Path, string Kind)[] more) =>
        fixture.Select(f => (f.Key, f.Value)).Concat(more).ToDictionary(f => f.Item1, f => f.Item2, StringComparer.Ordinal);

    private static Dictionary<string, string> Without(IReadOnlyDictionary<string, string> fixture, params string[] paths) =>
        fixture.Where(f => !paths.Contains(f.Key)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
}
