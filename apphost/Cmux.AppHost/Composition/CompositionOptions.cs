using Cmux.Contract;
using Microsoft.Extensions.Configuration;

namespace Cmux.AppHost.Composition;

/// <summary>Which router carries the public traffic.</summary>
public enum RouterKind
{
    /// <summary>services/Cmux.Router, run as a project.</summary>
    Ours,

    /// <summary>Debian's Caddy 2.6.2 running the profile's Caddyfile, as on a PVE host.</summary>
    Caddy,

    /// <summary>A router someone else runs, at <see cref="CompositionOptions.RouterUrl"/>.</summary>
    External,
}

/// <summary>
/// What the AppHost composes, per endpoint: fakes or real systems, our router or Caddy, our execd
/// or another, in the seed or the cmux profile. Read from configuration (<c>Cmux:*</c>, so
/// <c>Cmux__Router=caddy</c> in the environment works for <c>dotnet test</c>, <c>eng/run.sh</c> and
/// the dashboard alike); the README's composition table lists every key.
/// </summary>
public sealed record CompositionOptions
{
    public const string Fake = "fake";
    public const string Ours = "ours";
    public const string Real = "real";
    public const string ProcessSandboxes = "process";
    public const string DockerSandboxes = "docker";

    /// <summary>Cloudflare's API, for <c>Cmux:Cloudflare=real</c>.</summary>
    public static readonly Uri CloudflareApi = new("https://api.cloudflare.com/client/v4");

    /// <summary><c>seed</c> or <c>cmux</c>: the URL pattern, the execd contract, the router's rule and the Caddyfile.</summary>
    public string Profile { get; init; } = Profiles.Seed;

    public RouterKind Router { get; init; } = RouterKind.Ours;

    /// <summary>The external router, when <see cref="Router"/> is <see cref="RouterKind.External"/>.</summary>
    public Uri? RouterUrl { get; init; }

    /// <summary>Another execd binary every sandbox runs; null for ours (services/Cmux.Execd).</summary>
    public string? ExecdPath { get; init; }

    /// <summary>
    /// What runs the sandboxes (the sandbox host's <c>Sandbox:Runtime</c>): <c>process</c>, execd and
    /// stand-ins per sandbox on a loopback address; <c>docker</c>, a container from the template image.
    /// </summary>
    public string Sandboxes { get; init; } = ProcessSandboxes;

    /// <summary>With docker sandboxes, the template image; null: the current recipe's (<c>eng/template/build.sh --print-image</c>).</summary>
    public string? SandboxImage { get; init; }

    public bool DockerSandboxesOn => Sandboxes == DockerSandboxes;

    /// <summary>A real PVE API; null for the fake.</summary>
    public Uri? PveUrl { get; init; }

    /// <summary>A real Cloudflare API; null for the fake.</summary>
    public Uri? CloudflareUrl { get; init; }

    /// <summary>With a real Cloudflare API, whether the tunnel setup may change the account (otherwise a dry run).</summary>
    public bool CloudflareWrite { get; init; }

    public bool IsCmuxProfile => Profile == Profiles.Cmux;

    /// <summary>
    /// Whether the tunnel setup puts the sandboxes behind Access (a service token), as cmux runs
    /// them; false lets the benchmarks measure the edge chain without it (<c>eng/compare.sh</c>).
    /// </summary>
    public bool Access { get; init; } = true;

    /// <summary>
    /// Whether every sandbox port serves the <c>/_cmux/*</c> test endpoints (bytes, echo, websocket
    /// echo), which the load benchmarks request; the suite brings its own probe instead, as it must
    /// on a real template, so they are off unless asked for.
    /// </summary>
    public bool SandboxTestEndpoints { get; init; }

    /// <summary>
    /// Whether the projects export OTLP to the dashboard; false leaves them without an OTLP
    /// endpoint, so ServiceDefaults builds no exporter (as Caddy and nginx export nothing).
    /// </summary>
    public bool Telemetry { get; init; } = true;

    /// <summary>
    /// Whether Aspire's proxy (DCP's) stands in front of every endpoint, as Aspire composes by
    /// default; false: each service listens on its endpoint's port itself, as on a PVE host, so a
    /// benchmark measures the router rather than the proxy's extra hop.
    /// </summary>
    public bool EndpointProxy { get; init; } = true;

    /// <summary>Another build of our router (a <c>Cmux.Router.dll</c>) run in its place; null for services/Cmux.Router.</summary>
    public string? RouterBinary { get; init; }

    /// <summary>
    /// Configuration given to our router alone (<c>Cmux:RouterSettings:Kestrel:Limits:...</c> becomes
    /// the router's <c>Kestrel__Limits__...</c>), e.g. for an A/B of one setting; null for none.
    /// </summary>
    public IReadOnlyDictionary<string, string>? RouterSettings { get; init; }

    public static CompositionOptions FromConfiguration(IConfiguration configuration)
    {
        var problems = new List<string>();
        var profile = Profiles.Seed;
        try
        {
            profile = Profiles.Parse(configuration["Cmux:Profile"], "Cmux:Profile");
        }
        catch (FormatException e)
        {
            problems.Add(e.Message);
        }

        var router = RouterKind.Ours;
        Uri? routerUrl = null;
        switch (configuration["Cmux:Router"]?.Trim())
        {
            case null or "" or Ours:
                break;
            case "caddy":
                router = RouterKind.Caddy;
                break;
            case var value when HttpUrl(value) is { } url:
                router = RouterKind.External;
                routerUrl = url;
                break;
            case var value:
                problems.Add($"Cmux:Router must be '{Ours}', 'caddy' or the http(s) URL of a router, not '{value}'.");
                break;
        }

        string? execd = null;
        switch (configuration["Cmux:Execd"]?.Trim())
        {
            case null or "" or Ours:
                break;
            case var path when File.Exists(path):
                execd = Path.GetFullPath(path);
                break;
            case var path:
                problems.Add($"Cmux:Execd must be '{Ours}' or the path of an execd binary; '{path}' does not exist.");
                break;
        }

        var sandboxes = ProcessSandboxes;
        switch (configuration["Cmux:Sandboxes"]?.Trim().ToLowerInvariant())
        {
            case null or "" or ProcessSandboxes:
                break;
            case DockerSandboxes:
                sandboxes = DockerSandboxes;
                if (execd is not null)
                {
                    problems.Add("Cmux:Execd cannot go with Cmux:Sandboxes=docker: the containers run the template's execd (eng/template).");
                }
                break;
            case var value:
                problems.Add($"Cmux:Sandboxes must be '{ProcessSandboxes}' or '{DockerSandboxes}', not '{value}'.");
                break;
        }
        var image = configuration["Cmux:SandboxImage"] is { Length: > 0 } i ? i.Trim() : null;

        var pve = Endpoint(configuration["Cmux:Pve"], "Cmux:Pve", null, problems);
        var cloudflare = Endpoint(configuration["Cmux:Cloudflare"], "Cmux:Cloudflare", CloudflareApi, problems);
        var write = Flag(configuration, "Cmux:CloudflareWrite", false, problems);
        var access = Flag(configuration, "Cmux:Access", true, problems);
        var testEndpoints = Flag(configuration, "Cmux:SandboxTestEndpoints", false, problems);
        var telemetry = Flag(configuration, "Cmux:Telemetry", true, problems);
        var endpointProxy = Flag(configuration, "Cmux:EndpointProxy", true, problems);

        string? routerBinary = null;
        switch (configuration["Cmux:RouterBinary"]?.Trim())
        {
            case null or "":
                break;
            case var path when router != RouterKind.Ours:
                problems.Add($"Cmux:RouterBinary ('{path}') is a build of our router: it needs Cmux:Router={Ours}.");
                break;
            case var path when File.Exists(path) && path.EndsWith(".dll", StringComparison.Ordinal):
                routerBinary = Path.GetFullPath(path);
                break;
            case var path:
                problems.Add($"Cmux:RouterBinary must be the path of a Cmux.Router.dll build; '{path}' is not an existing .dll.");
                break;
        }
        var settingsSection = configuration.GetSection("Cmux:RouterSettings");
        var routerSettings = settingsSection.AsEnumerable(makePathsRelative: true)
            .Where(s => s.Key.Length > 0 && s.Value is not null)
            .ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!, StringComparer.Ordinal);
        if (routerSettings.Count > 0 && router != RouterKind.Ours)
        {
            problems.Add($"Cmux:RouterSettings configure our router: they need Cmux:Router={Ours}.");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The composition's settings are wrong:\n  " + string.Join("\n  ", problems));
        }
        return new CompositionOptions
        {
            Profile = profile,
            Router = router,
            RouterUrl = routerUrl,
            ExecdPath = execd,
            Sandboxes = sandboxes,
            SandboxImage = image,
            PveUrl = pve,
            CloudflareUrl = cloudflare,
            CloudflareWrite = write,
            Access = access,
            SandboxTestEndpoints = testEndpoints,
            Telemetry = telemetry,
            EndpointProxy = endpointProxy,
            RouterBinary = routerBinary,
            RouterSettings = routerSettings.Count > 0 ? routerSettings : null,
        };
    }

    private static bool Flag(IConfiguration configuration, string key, bool otherwise, List<string> problems)
    {
        if (configuration[key] is not { Length: > 0 } value)
        {
            return otherwise;
        }
        if (bool.TryParse(value.Trim(), out var flag))
        {
            return flag;
        }
        problems.Add($"{key} must be true or false, not '{value}'.");
        return otherwise;
    }

    /// <summary><c>fake</c> (or nothing) is null; <c>real</c> is <paramref name="real"/>; otherwise an http(s) URL.</summary>
    private static Uri? Endpoint(string? value, string key, Uri? real, List<string> problems)
    {
        switch (value?.Trim())
        {
            case null or "" or Fake:
                return null;
            case Real when real is not null:
                return real;
            case var v when HttpUrl(v) is { } url:
                return url;
            case var v:
                problems.Add($"{key} must be '{Fake}'{(real is null ? "" : $", '{Real}'")} or an http(s) URL, not '{v}'.");
                return null;
        }
    }

    private static Uri? HttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : null;
}
