namespace Cmux.Testing;

/// <summary>The <c>Category</c> trait: where a test runs and what it needs.</summary>
public static class Category
{
    public const string Name = "Category";

    /// <summary>In-process, no stack.</summary>
    public const string Unit = "unit";
    /// <summary>Against the AppHost started by Aspire.Hosting.Testing.</summary>
    public const string Stack = "stack";
    /// <summary>Against a real reference implementation (Caddy) side by side.</summary>
    public const string Differential = "differential";
    /// <summary>Drives Debian's Chromium through Playwright.</summary>
    public const string Browser = "browser";
    /// <summary>Needs a Docker engine (Testcontainers).</summary>
    public const string Docker = "docker";
    /// <summary>The command line in real mode against the composed stack, compared with fake mode.</summary>
    public const string Rehearsal = "rehearsal";
    /// <summary>Needs a real PVE host; skipped with a reason when none is configured.</summary>
    public const string RealHost = "realhost";

    /// <summary>The categories eng/test.sh runs in its second phase, in the projects that start the stack.</summary>
    public static readonly IReadOnlySet<string> NeedStack = new HashSet<string>(StringComparer.Ordinal) { Stack, Browser, Rehearsal };

    public static readonly IReadOnlySet<string> All =
        new HashSet<string>(StringComparer.Ordinal) { Unit, Stack, Differential, Browser, Docker, RealHost, Rehearsal };
}

/// <summary>The <c>Feature</c> trait: the behaviour a test checks.</summary>
public static class Feature
{
    public const string Name = "Feature";

    public const string Foundation = "foundation";
    public const string Exec = "exec";
    public const string Sandbox = "sandbox";
    public const string Router = "router";
    public const string UrlPattern = "url-pattern";
    public const string WebSocket = "websocket";
    public const string Streaming = "streaming";
    public const string Services = "services";
    public const string Tls = "tls";
    public const string Access = "access";
    public const string Lifecycle = "lifecycle";
    public const string Provisioning = "provisioning";
    public const string PveApi = "pve-api";
    public const string CloudflareApi = "cloudflare-api";
    public const string MorphApi = "morph-api";
    public const string Load = "load";
    /// <summary>The suite's own machinery: catalog, runner, report.</summary>
    public const string Report = "report";
    /// <summary>Where secrets end up: files, logs.</summary>
    public const string Secrets = "secrets";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Foundation, Exec, Sandbox, Router, UrlPattern, WebSocket, Streaming, Services, Tls, Access, Lifecycle, Provisioning,
        PveApi, CloudflareApi, MorphApi, Load, Report, Secrets,
    };
}
