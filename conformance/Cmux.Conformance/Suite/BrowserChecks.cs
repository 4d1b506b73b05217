using Cmux.Conformance.Checks;
using Cmux.Conformance.Checks.Clients;
using Cmux.Contract;
using Microsoft.Playwright;

namespace Cmux.Conformance.Suite;

/// <summary>
/// A real browser (Debian's Chromium through Playwright) over the public URL: it trusts only what
/// the run trusts (the run's CA, or the system's roots), sends the provider's credentials, and is
/// routed the way the run's clients are. Screenshots go to the artifacts.
/// </summary>
public static class BrowserChecks
{
    public static readonly ConformanceCheck VsCodeConnects = new()
    {
        ShortName = "ws-browser",
        Feature = Features.WebSocket,
        Description = "Chromium loads the VS Code page over HTTPS, trusting only the run's roots, and its websocket connects.",
        Tools = [Tool.Chromium, Tool.Certutil],
        Test = async c =>
        {
            var sandbox = await c.SharedSandboxAsync();
            var url = c.Provider.UrlFor(sandbox, SandboxPorts.VsCode);
            var route = c.Provider.Route;

            await using var profile = await BrowserProfile.CreateAsync(route.TrustedRoots?.File);
            using var playwright = await Playwright.CreateAsync();
            var args = new List<string> { "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync" };
            if (route.ConnectTo is { } target)
            {
                // Every name of the provider's domain goes where the run's clients go; nothing else resolves.
                args.Add($"--host-resolver-rules=MAP *.{c.Documented.Domain} {target.Host}:{target.Port}, MAP * ~NOTFOUND");
            }
            await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile.Folder, new()
            {
                ExecutablePath = Tool.Chromium.Path,
                Headless = true,
                Args = args,
                Env = profile.Environment,
                ExtraHTTPHeaders = c.Provider.AuthHeaders,
            });
            var page = await browser.NewPageAsync();
            var response = await page.GotoAsync(url.ToString(), new() { Timeout = 30_000 });
            response.ShouldNotBeNull();
            response.Status.ShouldBe(200);
            await page.WaitForSelectorAsync("#status:text('connected')", new() { Timeout = 30_000 });

            var folder = Path.Combine(c.ArtifactsFolder, "screenshots");
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{c.Provider.Name}-vscode.png"), FullPage = true });
        },
    };
}
