using Cmux.Fakes.Sandbox.Control;
using Cmux.Fakes.Sandbox.Docker;
using Cmux.Fakes.Sandbox.Lifecycle;
using Cmux.Fakes.Sandbox.Processes;
using Cmux.ServiceDefaults;

namespace Cmux.Fakes.Sandbox;

/// <summary>Builds the sandbox host, so that <c>Program</c> and the tests run the same app.</summary>
public static class SandboxHostApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.Services.AddOptions<SandboxHostOptions>().BindConfiguration(SandboxHostOptions.Section);
        builder.Services.AddSingleton<ChildProcessLauncher>();
        builder.Services.AddSingleton<ExecdLauncher>();
        builder.Services.AddSingleton<HostsFile>();
        AddRuntime(builder);
        builder.Services.AddSingleton<SandboxManager>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SandboxManager>());
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        ControlApi.Map(app);
        return app;
    }

    /// <summary>The runtime <c>Sandbox:Runtime</c> names; a typo fails the host's start, never falls back.</summary>
    private static void AddRuntime(WebApplicationBuilder builder)
    {
        switch (builder.Configuration[$"{SandboxHostOptions.Section}:Runtime"]?.Trim().ToLowerInvariant())
        {
            case null or "" or SandboxHostOptions.ProcessRuntime:
                builder.Services.AddSingleton<ISandboxRuntime, ProcessRuntime>();
                break;
            case SandboxHostOptions.DockerRuntime:
                builder.Services.AddSingleton<DockerRuntime>();
                builder.Services.AddSingleton<ISandboxRuntime>(services => services.GetRequiredService<DockerRuntime>());
                break;
            case var other:
                throw new InvalidOperationException(
                    $"Sandbox:Runtime must be '{SandboxHostOptions.ProcessRuntime}' or '{SandboxHostOptions.DockerRuntime}', not '{other}'");
        }
    }
}
