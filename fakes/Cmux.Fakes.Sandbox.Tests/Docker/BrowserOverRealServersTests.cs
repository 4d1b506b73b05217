using System.Net.Http.Json;
using System.Text.Json;
using Cmux.Contract;
using Microsoft.Playwright;

namespace Cmux.Fakes.Sandbox.Tests.Docker;

/// <summary>
/// Debian's Chromium (Playwright, headless) over the template's real servers in a Docker sandbox:
/// noVNC reaches the VNC desktop, the VS Code stand-in's websocket connects, and a command runs
/// through the terminal's websocket. The page opens the container's own address directly: the path
/// through the edge and Access (the router, Caddy, the Access login) is what the conformance suite's
/// browser checks cover on the Docker runtime; these tests check the servers behind it. Screenshots
/// go to artifacts/docker/.
/// </summary>
[Collection(DockerHostCollection.Name)]
[Trait(Category.Name, Category.Docker)]
public sealed class BrowserOverRealServersTests(DockerHostFixture host)
{
    private const string ChromiumPath = "/usr/bin/chromium"; // Debian's chromium (eng/bootstrap.sh), as Tool.Chromium
    private const float Timeout = 60_000;

    [DockerFact]
    [Trait(Feature.Name, Feature.Services)]
    public async Task NoVnc_connects_to_the_VNC_desktop()
    {
        var sandbox = await host.StartNewAsync();
        try
        {
            // Something to see on the desktop: the template's Chromium as an X client on display :1
            // (TigerVNC's root window alone is black; the template has no window manager or X tools;
            // --test-type drops the infobar about --no-sandbox, which root needs).
            var (status, _) = await DockerHostFixture.ExecAsync(sandbox.Address,
                "DISPLAY=:1 setsid -f chromium --no-sandbox --test-type --disable-gpu --no-first-run --user-data-dir=/tmp/cmux-desktop " +
                "--window-position=0,0 --window-size=1280,800 " +
                "'--app=data:text/html,<body style=\"background:%23246;color:white;font:48px sans-serif\"><h1>cmux sandbox desktop</h1><p>'\"$(hostname)\"'</p>' " +
                ">/tmp/cmux-desktop.log 2>&1", token: null);
            status.ShouldBe(System.Net.HttpStatusCode.OK);

            await using var browser = await LaunchAsync(sandbox.Address);
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 860 } });
            // The template's init: websockify --web /usr/share/novnc 39380 (noVNC 1.3: vnc.html, path websockify by default).
            await GotoWhenServingAsync(page, $"http://{sandbox.Address}:{SandboxPorts.NoVnc}/vnc.html?autoconnect=1&resize=scale");
            // noVNC's UI marks the document connected once the RFB handshake is done; its canvas then has the desktop's size.
            await page.WaitForFunctionAsync("""
                () => document.documentElement.classList.contains('noVNC_connected')
                  && [...document.querySelectorAll('canvas')].some(c => c.width > 0 && c.height > 0)
                """, null, new() { Timeout = Timeout, PollingInterval = 100 });
            (await page.TextContentAsync("#noVNC_status") ?? "").ShouldContain("Connected");
            // The framebuffer has arrived once the canvas holds lit pixels (Chromium's window on the black root).
            await page.WaitForFunctionAsync("""
                () => { const c = [...document.querySelectorAll('canvas')].find(c => c.width > 0);
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  for (let i = 0; i < d.length; i += 4 * 97) if (d[i] + d[i + 1] + d[i + 2] > 60) return true; return false; }
                """, null, new() { Timeout = Timeout, PollingInterval = 250 });
            await page.ScreenshotAsync(new() { Path = Artifact("novnc.png") });
        }
        finally
        {
            await host.Client.DeleteAsync(sandbox.Id);
        }
    }

    [DockerFact]
    [Trait(Feature.Name, Feature.Services)]
    public async Task The_VS_Code_stand_in_connects_its_websocket()
    {
        var sandbox = await host.StartNewAsync();
        try
        {
            await using var browser = await LaunchAsync(sandbox.Address);
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1000, Height = 500 } });
            // 39378 is not among the start's ready ports: the page may load before it listens.
            await GotoWhenServingAsync(page, $"http://{sandbox.Address}:{SandboxPorts.VsCode}/");
            // vscode-standin.js: #status becomes "connected" once its websocket's message echoes back.
            await page.WaitForFunctionAsync("() => document.getElementById('status')?.textContent === 'connected'", null,
                new() { Timeout = Timeout, PollingInterval = 100 });
            (await page.TitleAsync()).ShouldContain("VS Code");
            await page.ScreenshotAsync(new() { Path = Artifact("vscode.png") });
        }
        finally
        {
            await host.Client.DeleteAsync(sandbox.Id);
        }
    }

    [DockerFact]
    [Trait(Feature.Name, Feature.Services)]
    public async Task A_command_runs_through_the_terminals_websocket()
    {
        var sandbox = await host.StartNewAsync();
        try
        {
            var origin = $"http://{sandbox.Address}:{SandboxPorts.Terminal}";
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using var created = await http.PostAsJsonAsync($"{origin}/sessions", new { cols = 100, rows = 30 });
            created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
            var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

            await using var browser = await LaunchAsync(sandbox.Address);
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1000, Height = 600 } });
            // The server's own page (its origin), then a small client: the session's websocket, its bytes shown as text.
            await GotoWhenServingAsync(page, $"{origin}/");
            await page.EvaluateAsync("""
                url => {
                  document.body.insertAdjacentHTML('beforeend',
                    '<p>websocket: <span id="ws">connecting</span></p><pre id="out" style="background:#111;color:#ddd;padding:8px;min-height:300px"></pre>');
                  const out = document.getElementById('out'), state = document.getElementById('ws');
                  const ws = new WebSocket(url);
                  ws.onopen = () => { state.textContent = 'open'; ws.send('echo cmux-$((6*7))\r'); };
                  ws.onmessage = async e => { out.textContent += typeof e.data === 'string' ? e.data : await e.data.text(); };
                  ws.onclose = e => { state.textContent = 'closed ' + e.code; };
                }
                """, $"ws://{sandbox.Address}:{SandboxPorts.Terminal}/sessions/{id}/ws");
            // The command line echoes "cmux-$((6*7))"; only the shell's output carries "cmux-42".
            await page.WaitForFunctionAsync("() => document.getElementById('out').textContent.includes('cmux-42')", null,
                new() { Timeout = Timeout, PollingInterval = 100 });
            await page.ScreenshotAsync(new() { Path = Artifact("terminal.png") });
            (await http.DeleteAsync($"{origin}/sessions/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        }
        finally
        {
            await host.Client.DeleteAsync(sandbox.Id);
        }
    }

    /// <summary>Chromium for one test; nothing resolves but the container's address (the pages name no other host).</summary>
    private static async Task<BrowserHandle> LaunchAsync(string address)
    {
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", $"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {address}"],
            });
            return new BrowserHandle(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    private static async Task GotoWhenServingAsync(IPage page, string url)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(Timeout);
        while (true)
        {
            try
            {
                await page.GotoAsync(url, new() { Timeout = Timeout });
                return;
            }
            // Refused: not serving yet. Network changed: Chromium aborts a load when the machine's
            // addresses change (a Docker network made beside the run), which says nothing of the page.
            catch (PlaywrightException e) when ((e.Message.Contains("ERR_CONNECTION_REFUSED", StringComparison.Ordinal)
                || e.Message.Contains("ERR_NETWORK_CHANGED", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    private static string Artifact(string name)
    {
        var folder = Path.Combine(RepositoryRoot.Find(), "artifacts", "docker");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    private sealed class BrowserHandle(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
    {
        public Task<IPage> NewPageAsync(BrowserNewPageOptions options) => browser.NewPageAsync(options);

        public async ValueTask DisposeAsync()
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
