using Cmux.Conformance.Checks;
using Cmux.Conformance.Checks.Clients;
using Microsoft.Playwright;

namespace Cmux.Conformance.Suite;

/// <summary>
/// A real browser (Debian's Chromium through Playwright) over the public URL: it trusts only what
/// the run trusts (the run's CA, or the system's roots), sends the provider's credentials, and is
/// routed the way the run's clients are. The page is the suite's probe's own (<c>/_cmux/page</c>),
/// so the check needs nothing of the template and means the same in fake and real mode.
/// Screenshots go to the artifacts.
/// </summary>
public static class BrowserChecks
{
    public static readonly ConformanceCheck PageConnects = new()
    {
        ShortName = "ws-browser",
        Feature = Features.WebSocket,
        Description = "Chromium loads a sandbox page through the public URL, trusting only the run's roots, and the page's websocket echoes.",
        Tools = [Tool.Chromium, Tool.Certutil, Tool.Probe],
        Test = async c =>
        {
            var url = c.ProbeUrl(await c.ProbedSandboxAsync(), "/_cmux/page");
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
            var response = await GotoAsync(page, url.ToString());
            response.ShouldNotBeNull();
            response.Status.ShouldBe(200);
            // Waited for until the page settles either way, so a failure says how the socket ended.
            await page.WaitForFunctionAsync("() => document.getElementById('status')?.textContent !== 'connecting'", null, new() { Timeout = 30_000 });
            var status = await page.TextContentAsync("#status");

            var folder = Path.Combine(c.ArtifactsFolder, "screenshots");
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{c.Provider.Name}-probe-page.png"), FullPage = true });
            status.ShouldBe("connected", $"the page's websocket through {url.Host}");
        },
    };

    /// <summary>
    /// Navigates, again while Chromium aborts the load with ERR_NETWORK_CHANGED: it does whenever
    /// the machine's addresses change (a Docker network made beside the run), which says nothing of
    /// the sandbox's URL. Any other failure is the check's.
    /// </summary>
    private static async Task<IResponse?> GotoAsync(IPage page, string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await page.GotoAsync(url, new() { Timeout = 30_000 });
            }
            catch (PlaywrightException e) when (e.Message.Contains("ERR_NETWORK_CHANGED", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                // Chromium reports every change of a burst (a network, then each container's veth): let it settle.
                await Task.Delay(100);
            }
        }
    }
}
