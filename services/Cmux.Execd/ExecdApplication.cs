using Cmux.Contract;
using Cmux.Execd.Exec;
using Cmux.Execd.Profiles;
using Cmux.ServiceDefaults;

namespace Cmux.Execd;

/// <summary>Builds the daemon, so that <c>Program</c>, the tests and the benchmark run the same app.</summary>
public static class ExecdApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        if (!HasUrls(builder.Configuration))
        {
            builder.WebHost.UseUrls($"http://0.0.0.0:{SandboxPorts.Execd}");
        }
        builder.Services.AddOptions<ExecdOptions>().BindConfiguration(ExecdOptions.Section);
        builder.Services.AddSingleton<CommandRunner>();
        builder.Services.AddSingleton<CommandFactory>();
        builder.Services.AddSingleton<TokenAuth>();
        builder.Services.AddSingleton<CommandSlots>();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ExecdOptions>>().Value;
        if (options.Profile == ExecdProfile.Cmux)
        {
            CmuxEndpoints.Map(app);
        }
        else
        {
            SeedExecEndpoint.Map(app);
        }
        app.Logger.LogInformation("execd ({Profile} profile) serving /exec; HOME {Home}, workspace {Workspace}",
            options.Profile, options.Home, options.Workspace);
        return app;
    }

    // Kestrel's own default (localhost:5000) is wrong for a daemon reached from outside its container.
    private static bool HasUrls(IConfiguration configuration) =>
        new[] { "urls", "http_ports", "https_ports" }.Any(key => !string.IsNullOrWhiteSpace(configuration[key]))
        || configuration.GetSection("Kestrel:Endpoints").Exists();
}
