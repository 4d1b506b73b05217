using System.Diagnostics;

namespace Cmux.Conformance.Checks.Clients;

/// <summary>
/// A throw-away Chromium profile whose NSS database trusts the run's CA, so the browser validates
/// the edge's chain for real instead of ignoring certificate errors. Deleted on dispose.
/// </summary>
public sealed class BrowserProfile : IAsyncDisposable
{
    private readonly string _home;

    private BrowserProfile(string home) => _home = home;

    public string Folder => Path.Combine(_home, "profile");

    /// <summary>Chromium reads NSS trust from $HOME/.pki/nssdb.</summary>
    public IEnumerable<KeyValuePair<string, string>> Environment => [new("HOME", _home)];

    public static async Task<BrowserProfile> CreateAsync(string? trustedCaPem)
    {
        var profile = new BrowserProfile(Directory.CreateTempSubdirectory("cmux-browser-").FullName);
        Directory.CreateDirectory(profile.Folder);
        if (trustedCaPem is not null)
        {
            var nssdb = Path.Combine(profile._home, ".pki", "nssdb");
            Directory.CreateDirectory(nssdb);
            await CertutilAsync("-N", "-d", $"sql:{nssdb}", "--empty-password");
            await CertutilAsync("-A", "-d", $"sql:{nssdb}", "-n", "cmux-run-ca", "-t", "C,,", "-i", trustedCaPem);
        }
        return profile;
    }

    private static async Task CertutilAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Tool.Certutil.Path) { RedirectStandardError = true, RedirectStandardOutput = true };
        args.ToList().ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"certutil did not start ({Tool.Certutil.Remedy})");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"certutil {string.Join(' ', args)} failed: {error}");
        }
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_home, recursive: true);
        return ValueTask.CompletedTask;
    }
}
