using Cmux.Execd;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cmux.Conformance.Tests.Execd;

/// <summary>
/// The real execd, in process, on a real socket (127.0.0.1, an ephemeral port), with a temp HOME
/// and workspace; disposing it stops the server and removes the folders.
/// </summary>
public sealed class ExecdServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ExecdServer(WebApplication app, string root)
    {
        _app = app;
        Root = root;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        Client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
    }

    public string Root { get; }

    public string Home => Path.Combine(Root, "home");

    public string Workspace => Path.Combine(Root, "workspace");

    public HttpClient Client { get; }

    public static async Task<ExecdServer> StartAsync(ExecdProfile profile, params string[] settings)
    {
        var root = Directory.CreateTempSubdirectory("cmux-execd-test-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "home"));
        Directory.CreateDirectory(Path.Combine(root, "workspace"));
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--Execd:Profile={profile}",
            $"--Execd:Home={Path.Combine(root, "home")}",
            $"--Execd:Workspace={Path.Combine(root, "workspace")}",
            // Never the machine's own /root token: tests name their token files.
            $"--Execd:TokenFiles:0={Path.Combine(root, "no-token")}",
            .. settings.Select(s => $"--Execd:{s}"),
        ];
        var app = ExecdApplication.Build(args, builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        return new ExecdServer(app, root);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>Waits on a condition with a deadline, instead of sleeping.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Whether a process runs (a zombie counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static Task UntilGoneAsync(int pid) => UntilAsync(() => !IsAlive(pid), $"process {pid} is gone");
}
