using System.Diagnostics;
using Cmux.Conformance.Checks;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Cmux.AppHost.Tests.Dashboard;

/// <summary>Runs alone: its AppHost's sandboxes take the same loopback addresses as the stack collection's.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DashboardCollection
{
    public const string Name = "dashboard";
}

/// <summary>
/// The dashboard a user opens on a fresh machine (no development certificate): the AppHost run as
/// <c>eng/run.sh --dashboard</c> runs it, Debian's Chromium logged in with the token the AppHost
/// logs. Every resource reaches the state it should, and no page carries an error. The screenshot is
/// kept in artifacts/dashboard/.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    /// <summary>The default composition's resources and the state each settles in: the tunnel setup provisions, then exits.</summary>
    private static readonly IReadOnlyDictionary<string, string> Expected = new Dictionary<string, string>
    {
        ["sandboxes"] = "Running",
        ["pve"] = "Running",
        ["router"] = "Running",
        ["cloudflare"] = "Running",
        ["tunnel-setup"] = "Finished",
        ["edge"] = "Running",
        ["morph"] = "Running",
        // Its commands run the suite's command line against the stack; it is ready once the edge serves.
        ["conformance"] = "Ready",
    };

    // The resources grid, row by row, as the words a user reads in it.
    private const string RowsScript = """
        () => [...document.querySelectorAll('[role=row]')]
            .map(row => row.innerText.split(/[\n\t]+/).map(word => word.trim()).filter(word => word.length > 0))
            .filter(words => words.length > 0)
        """;

    // Whether every expected resource shows its state, and every sandbox (sandbox-*) a state it can be in.
    private const string SettledScript = """
        expected => {
            const rows = [...document.querySelectorAll('[role=row]')]
                .map(row => row.innerText.split(/[\n\t]+/).map(word => word.trim()));
            for (const [name, state] of Object.entries(expected)) {
                const row = rows.find(words => words.includes(name));
                if (!row || !row.includes(state)) return false;
            }
            return rows.filter(words => words.some(w => w.startsWith('sandbox-')))
                .every(words => words.includes('Running') || words.includes('Stopped'));
        }
        """;

    // Whether Blazor's error UI shows: the page's circuit failed and the grid stopped updating.
    private const string CircuitFailedScript = """
        () => { const ui = document.getElementById('blazor-error-ui'); return !!ui && getComputedStyle(ui).display !== 'none'; }
        """;

    // At most this many reloads after a failed circuit before the test gives up.
    private const int MaxReloads = 2;

    // The dashboard's message bars (interaction notifications, the certificate error among them) and Fluent's own.
    private const string MessageBars = ".dashboard-message-bar, .fluent-messagebar, fluent-message-bar";

    [Fact]
    [Trait(Category.Name, Category.Browser)]
    [Trait(Feature.Name, Feature.Foundation)]
    public async Task Every_resource_runs_or_finishes_and_no_page_carries_an_error()
    {
        var elapsed = Stopwatch.StartNew();
        var folder = Path.Combine(RepositoryRoot.Find(), "artifacts", "dashboard");
        Directory.CreateDirectory(folder);
        await using var appHost = AppHostProcess.Start();
        try
        {
            var login = await appHost.LoginUrlAsync(StartTimeout);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Tool.Chromium.Path,
                Headless = true,
                // Nothing but the loopback dashboard resolves: the page may reach no other host.
                Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", $"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {login.Host}"],
            });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
            // The token login answers once the dashboard serves; until then the AppHost has only logged its URL.
            await GotoWhenServingAsync(page, login);
            await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal), new() { Timeout = 30_000 });

            // On a loaded machine the dashboard's own circuit once failed (an ObjectDisposedException in
            // its virtualized grid) and the page froze on "No resources found" under Blazor's "An
            // unhandled error has occurred. Reload". A user reloads; so does the test, saying so, a
            // bounded number of times. The final page must still carry no error of any kind.
            var deadline = DateTime.UtcNow + StartTimeout;
            for (var reloads = 0; ; reloads++)
            {
                try
                {
                    var remaining = (float)Math.Max(1, (deadline - DateTime.UtcNow).TotalMilliseconds);
                    await page.WaitForFunctionAsync($"expected => ({SettledScript})(expected) || ({CircuitFailedScript})()", Expected,
                        new() { Timeout = remaining, PollingInterval = 250 });
                }
                catch (TimeoutException)
                {
                    await page.ScreenshotAsync(new() { Path = Path.Combine(folder, "dashboard-unsettled.png"), FullPage = true });
                    throw new TimeoutException($"the resources did not settle; the grid shows:\n{await RowsAsync(page)}\nAppHost:\n{appHost.Output}");
                }
                if (!await page.EvaluateAsync<bool>(CircuitFailedScript))
                {
                    break;
                }
                await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"dashboard-circuit-failed-{reloads + 1}.png"), FullPage = true });
                reloads.ShouldBeLessThan(MaxReloads, "the dashboard's circuit failed again after reloading");
                output.WriteLine($"the dashboard's circuit failed after {elapsed.Elapsed.TotalSeconds:F1} s (Blazor's error UI): reloading, as a user would");
                await page.ReloadAsync(new() { Timeout = 30_000 });
            }
            var rows = await RowsAsync(page);
            output.WriteLine(rows);

            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, "dashboard.png"), FullPage = true });
            var bars = await page.Locator(MessageBars).AllInnerTextsAsync();
            bars.ShouldBeEmpty($"the dashboard shows message bars: {string.Join(" | ", bars)}");
            (await page.Locator("body").InnerTextAsync()).ShouldNotContain("development certificate");
            appHost.Output.ShouldNotContain("No trusted Aspire development certificate");
            output.WriteLine($"settled and checked after {elapsed.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            var children = appHost.Descendants();
            var exit = await appHost.StopAsync();
            await Poll.UntilAsync(() => !children.Any(Poll.IsAlive), $"every process of the AppHost ({string.Join(", ", children)}) is gone", TimeSpan.FromSeconds(30));
            output.WriteLine($"AppHost exited {exit} after SIGTERM; {children.Count} processes under it gone; {elapsed.Elapsed.TotalSeconds:F1} s in all");
        }
    }

    private static async Task GotoWhenServingAsync(IPage page, Uri url)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                await page.GotoAsync(url.ToString(), new() { Timeout = 30_000 });
                return;
            }
            // Refused: not serving yet. Network changed: Chromium aborts a load when the machine's
            // addresses change (a Docker network made beside the run), which says nothing of the page.
            catch (PlaywrightException e) when ((e.Message.Contains("ERR_CONNECTION_REFUSED", StringComparison.Ordinal)
                || e.Message.Contains("ERR_NETWORK_CHANGED", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<string> RowsAsync(IPage page) =>
        string.Join('\n', (await page.EvaluateAsync<string[][]>(RowsScript)).Select(words => string.Join(" | ", words)));
}
