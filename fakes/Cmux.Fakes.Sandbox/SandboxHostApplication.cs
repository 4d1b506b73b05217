using Cmux.Fakes.Sandbox.Control;
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
        builder.Services.AddSingleton<SandboxManager>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SandboxManager>());
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        ControlApi.Map(app);
        return app;
    }
}
