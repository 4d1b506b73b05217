using Cmux.Conformance.Checks;
using Cmux.Conformance.Tests.Infrastructure;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.Playwright;

namespace Cmux.Conformance.Tests.Suite.Features;

/// <summary>
/// A real browser (Debian's Chromium through Playwright) loads the VS Code stand-in over HTTPS,
/// trusting only the run's CA, and sees its websocket connect. The screenshot is saved with the
/// test results.
/// </summary>
public abstract class BrowserChecks(StackFixture stack) : ConformanceTests(stack)
{
    private const string Chromium = "/usr/bin/chromium";

    [SkippableFact]
    [Trait(Category.Name, Category.Browser)]
    [Trait(Feature.Name, Feature.WebSocket)]
    public Task Vscode_page_connects_its_websocket() => CheckAsync(CheckCatalog.WebSocket.Browser, async s =>
    {
        Skip.IfNot(File.Exists(Chromium), $"no browser: {Chromium} is missing (eng/bootstrap.sh installs Debian's chromium)");
        var sandbox = await s.SharedSandboxAsync(Timeout());
        var url = s.Provider.UrlFor(sandbox, SandboxPorts.VsCode);

        await using var profile = await BrowserProfile.CreateAsync(s.Expectations.Browser?.TrustedCaPem);
        using var playwright = await Playwright.CreateAsync();
        var args = new List<string> { "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync" };
        if (s.Expectations.Browser?.HostResolverRules is { } rules)
        {
            args.Add($"--host-resolver-rules={rules}");
        }
        await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile.Folder, new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = args,
            Env = profile.Environment,
            ExtraHTTPHeaders = s.Provider.AuthHeaders,
        });
        var page = await browser.NewPageAsync();
        var response = await page.GotoAsync(url.ToString(), new() { Timeout = 30_000 });
        response.ShouldNotBeNull();
        response.Status.ShouldBe(200);
        await page.WaitForSelectorAsync("#status:text('connected')", new() { Timeout = 30_000 });

        var folder = Path.Combine(SuiteSettings.RepositoryRoot(), "artifacts", "test-results", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{s.Name}-vscode.png"), FullPage = true });
    });
}

public sealed class PveBrowserChecks(StackFixture stack) : BrowserChecks(stack)
{
    protected override string ProviderName => ProviderNames.Pve;
}

public sealed class MorphBrowserChecks(StackFixture stack) : BrowserChecks(stack)
{
    protected override string ProviderName => ProviderNames.Morph;
}
