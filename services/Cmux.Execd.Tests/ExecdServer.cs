namespace Cmux.Execd.Tests;

/// <summary>
/// The real execd, in process, on a real socket (127.0.0.1, an ephemeral port), with a temp HOME
/// and workspace; disposing it stops the server and removes the folders.
/// </summary>
public sealed class ExecdServer : IAsyncDisposable
{
    private readonly InProcessApp _app;

    private ExecdServer(InProcessApp app, string root)
    {
        _app = app;
        Root = root;
    }

    public string Root { get; }

    public string Home => Path.Combine(Root, "home");

    public string Workspace => Path.Combine(Root, "workspace");

    public HttpClient Client => _app.Client;

    public Uri Url => _app.Url;

    public static async Task<ExecdServer> StartAsync(ExecdProfile profile, params string[] settings)
    {
        var root = Directory.CreateTempSubdirectory("cmux-execd-test-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "home"));
        Directory.CreateDirectory(Path.Combine(root, "workspace"));
        var app = await InProcessApp.StartAsync(args => ExecdApplication.Build(args),
        [
            $"--Execd:Profile={profile}",
            $"--Execd:Home={Path.Combine(root, "home")}",
            $"--Execd:Workspace={Path.Combine(root, "workspace")}",
            // Never the machine's own /root token: tests name their token files.
            $"--Execd:TokenFiles:0={Path.Combine(root, "no-token")}",
            .. settings.Select(s => $"--Execd:{s}"),
        ]);
        return new ExecdServer(app, root);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}
