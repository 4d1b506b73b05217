using Cmux.ServiceDefaults;

namespace Cmux.Fakes.Edge;

/// <summary>Builds the edge, so that <c>Program</c> and the tests run the same app.</summary>
public static class EdgeApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddCloudflareEdge();

        var app = builder.Build();
        app.UseCloudflareEdge();
        app.MapDefaultEndpoints();
        return app;
    }
}
