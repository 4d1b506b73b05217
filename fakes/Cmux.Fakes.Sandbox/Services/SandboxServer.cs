using Cmux.Contract;
using Cmux.Fakes.Sandbox.Processes;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy.Forwarder;

namespace Cmux.Fakes.Sandbox.Services;

/// <summary>
/// Everything a sandbox serves on its own address, one in-process Kestrel listening on every port
/// of <see cref="SandboxPorts.All"/>: the test endpoints on each, the stand-in of each port, and on
/// 39375 execd itself (forwarded to the real daemon's unix socket).
/// </summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private static readonly Dictionary<int, string> Services = new()
    {
        [SandboxPorts.Execd] = "execd",
        [SandboxPorts.WorkerPve] = "worker",
        [SandboxPorts.Worker] = "worker",
        [SandboxPorts.VsCode] = "vscode",
        [SandboxPorts.NoVnc] = "novnc",
        [SandboxPorts.DevTools] = "devtools",
        [SandboxPorts.Terminal] = "terminal",
        [SandboxPorts.Preview] = "preview",
    };

    private readonly WebApplication _app;
    private readonly TerminalEndpoints _terminal;
    private readonly HttpMessageInvoker _execd;

    private SandboxServer(WebApplication app, TerminalEndpoints terminal, HttpMessageInvoker execd)
    {
        _app = app;
        _terminal = terminal;
        _execd = execd;
    }

    public static async Task<SandboxServer> StartAsync(SandboxContext sandbox, bool testEndpoints, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHttpForwarder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            foreach (var port in SandboxPorts.All)
            {
                kestrel.Listen(sandbox.Address, port, listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
            }
        });
        var app = builder.Build();
        var terminal = new TerminalEndpoints(sandbox);
        var execd = new HttpMessageInvoker(ExecdLauncher.SocketHandler(sandbox.Layout.ExecdSocket));

        app.UseWebSockets();
        app.Use(async (context, next) =>
        {
            await sandbox.Gate.WaitAsync(context.RequestAborted);
            await next(context);
        });
        foreach (var (port, service) in Services)
        {
            app.MapWhen(context => context.Connection.LocalPort == port, branch =>
            {
                branch.UseRouting();
                branch.UseEndpoints(endpoints =>
                {
                    if (testEndpoints)
                    {
                        TestEndpoints.Map(endpoints, sandbox, port, service);
                    }
                    MapService(endpoints, port, sandbox, terminal, execd);
                });
            });
        }

        var server = new SandboxServer(app, terminal, execd);
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private static void MapService(IEndpointRouteBuilder endpoints, int port, SandboxContext sandbox, TerminalEndpoints terminal, HttpMessageInvoker execd)
    {
        switch (port)
        {
            case SandboxPorts.Execd:
                endpoints.Map("/{**path}", (HttpContext context, IHttpForwarder forwarder) =>
                    ForwardToExecdAsync(context, forwarder, execd));
                break;
            case SandboxPorts.WorkerPve or SandboxPorts.Worker:
                endpoints.MapGet("/health", () => Results.Json(new { status = "ok" }));
                new SocketIoEndpoint().Map(endpoints);
                break;
            case SandboxPorts.VsCode:
                StandInEndpoints.MapVsCode(endpoints, sandbox);
                break;
            case SandboxPorts.NoVnc:
                StandInEndpoints.MapNoVnc(endpoints, sandbox);
                break;
            case SandboxPorts.DevTools:
                StandInEndpoints.MapDevTools(endpoints, sandbox);
                break;
            case SandboxPorts.Terminal:
                terminal.Map(endpoints);
                break;
            case SandboxPorts.Preview:
                StandInEndpoints.MapPreview(endpoints, sandbox);
                break;
        }
    }

    // An exec can stream for as long as its command runs.
    private static readonly ForwarderRequestConfig ExecdRequests = new() { ActivityTimeout = TimeSpan.FromDays(1) };

    private static async Task ForwardToExecdAsync(HttpContext context, IHttpForwarder forwarder, HttpMessageInvoker execd)
    {
        var error = await forwarder.SendAsync(context, "http://execd/", execd, ExecdRequests, HttpTransformer.Default);
        if (error != ForwarderError.None && !context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            await context.Response.WriteAsJsonAsync(new { error = $"execd did not answer: {error}" });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _terminal.DisposeAsync();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
        _execd.Dispose();
    }
}
