using Cmux.ServiceDefaults;

namespace Cmux.Fakes.Cloudflare;

/// <summary>Builds the fake, so that <c>Program</c> and the tests run the same app.</summary>
public static class CloudflareFakeApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddCloudflareFake();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapCloudflareApi();
        return app;
    }

    /// <summary>API v4 under the fake's root URL: <c>{root}/client/v4</c>.</summary>
    public static Uri ApiUrl(Uri root) => new(root, CloudflareFakeExtensions.BasePath);
}
