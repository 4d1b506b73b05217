using System.Text.Json;
using Cmux.Fakes.Morph.Api;
using Cmux.Fakes.Morph.Gateway;
using Cmux.Fakes.Morph.Instances;
using Cmux.Fakes.Sandbox.Client;
using Cmux.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Morph;

/// <summary>
/// The Morph fake: the instance API on plain HTTP and the service gateway on every HTTPS endpoint
/// (Aspire's <c>http</c> and <c>gateway</c> endpoints; standalone, <c>--urls "http://...;https://..."</c>).
/// </summary>
public static class MorphFakeApp
{
    /// <summary>Where Aspire puts the sandbox host's URL when the AppHost references it.</summary>
    public const string AspireSandboxHostKey = "services:sandboxes:http:0";

    public static readonly IReadOnlyList<string> DefaultApiKeys = ["morph-fake-key"];
    public static readonly IReadOnlyList<string> DefaultSnapshots = ["snapshot_cmux"];

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();

        builder.Services.AddOptions<MorphOptions>()
            .Bind(builder.Configuration.GetSection(MorphOptions.Section))
            .PostConfigure(o =>
            {
                o.ApiKeys = o.ApiKeys.Count > 0 ? o.ApiKeys : [.. DefaultApiKeys];
                o.Snapshots = o.Snapshots.Count > 0 ? o.Snapshots : [.. DefaultSnapshots];
                o.SandboxHost ??= builder.Configuration[AspireSandboxHostKey] is { Length: > 0 } aspire ? new Uri(aspire) : null;
            })
            .Validate(o => o.SandboxHost is not null,
                $"Set Morph:SandboxHost (env Morph__SandboxHost) to the sandbox host's URL, or reference the 'sandboxes' resource from the AppHost ({AspireSandboxHostKey}).")
            .Validate(o => o.FirstSandboxId >= SandboxAddress.MinId && o.LastSandboxId <= SandboxAddress.MaxId && o.FirstSandboxId <= o.LastSandboxId,
                $"Morph:FirstSandboxId..Morph:LastSandboxId must be a range within {SandboxAddress.MinId}..{SandboxAddress.MaxId}.")
            .ValidateOnStart();

        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        builder.Services.AddSingleton<InstanceStore>();
        builder.Services.AddSingleton<InstanceLifecycle>();
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddHttpClient<SandboxHostClient>((services, http) =>
            http.BaseAddress = services.GetRequiredService<IOptions<MorphOptions>>().Value.SandboxHost);
        // A command runs as long as it runs: Morph's server sets no deadline, the client does.
        builder.Services.AddHttpClient<SandboxExec>(http => http.Timeout = Timeout.InfiniteTimeSpan);

        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<SandboxForwarderClient>();
        builder.Services.AddSingleton<GatewayMiddleware>();
        builder.WebHost.ConfigureKestrel((context, kestrel) => kestrel.ConfigureHttpsDefaults(https =>
            https.ServerCertificate = GatewayCertificate.Issue(
                context.Configuration, kestrel.ApplicationServices.GetRequiredService<IOptions<MorphOptions>>().Value.GatewayDomain)));

        var app = builder.Build();
        app.MapWhen(context => context.Request.IsHttps, gateway => gateway.UseMiddleware<GatewayMiddleware>());
        app.MapDefaultEndpoints();
        app.MapInstanceApi();
        return app;
    }
}
