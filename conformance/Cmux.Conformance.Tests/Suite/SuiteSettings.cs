using Microsoft.Extensions.Configuration;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>
/// How the suite runs, from environment variables or a JSON file named by <c>CMUX_CONFIG</c>
/// (same keys). <c>CMUX_MODE=fakes</c> (default) tests the embedded fakes through the AppHost;
/// <c>CMUX_MODE=real</c> tests the PVE host named by <c>CMUX_PVE_URL</c> (and Morph when
/// <c>MORPH_API_KEY</c> is set). Credentials come only from here, never from the repository.
/// </summary>
public sealed record SuiteSettings
{
    public string Mode { get; init; } = "fakes";
    public string Profile { get; init; } = "seed";
    public string ReportFolder { get; init; } = "";

    public string? PveUrl { get; init; }
    public string? PveToken { get; init; }
    public string PveNode { get; init; } = "pve";
    public int PveTemplate { get; init; } = 9000;
    public string? Domain { get; init; }
    public string? AccessClientId { get; init; }
    public string? AccessClientSecret { get; init; }

    public string? MorphApiKey { get; init; }
    public string MorphApiUrl { get; init; } = "https://cloud.morph.so/api";
    public string? MorphSnapshotId { get; init; }

    public string? CloudflareApiToken { get; init; }
    public string? CloudflareAccountId { get; init; }
    public string? CloudflareZoneId { get; init; }

    public bool IsReal => Mode == "real";

    public static SuiteSettings Load()
    {
        var builder = new ConfigurationBuilder();
        var file = Environment.GetEnvironmentVariable("CMUX_CONFIG");
        if (!string.IsNullOrWhiteSpace(file))
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"CMUX_CONFIG names '{file}', which does not exist.", file);
            }
            builder.AddJsonFile(Path.GetFullPath(file));
        }
        var c = builder.AddEnvironmentVariables().Build();
        string? Get(string key) => string.IsNullOrWhiteSpace(c[key]) ? null : c[key];

        var mode = Get("CMUX_MODE") ?? "fakes";
        if (mode is not ("fakes" or "real"))
        {
            throw new InvalidOperationException($"CMUX_MODE must be 'fakes' or 'real', not '{mode}'.");
        }
        var settings = new SuiteSettings
        {
            Mode = mode,
            Profile = Get("CMUX_PROFILE") ?? "seed",
            ReportFolder = Get("CMUX_REPORT_DIR") ?? Path.Combine(RepositoryRoot(), "artifacts", "conformance"),
            PveUrl = Get("CMUX_PVE_URL"),
            PveToken = Get("CMUX_PVE_TOKEN"),
            PveNode = Get("CMUX_PVE_NODE") ?? "pve",
            PveTemplate = int.TryParse(Get("CMUX_PVE_TEMPLATE"), out var template) ? template : 9000,
            Domain = Get("CMUX_DOMAIN"),
            AccessClientId = Get("CMUX_ACCESS_CLIENT_ID"),
            AccessClientSecret = Get("CMUX_ACCESS_CLIENT_SECRET"),
            MorphApiKey = Get("MORPH_API_KEY"),
            MorphApiUrl = Get("MORPH_API_URL") ?? "https://cloud.morph.so/api",
            MorphSnapshotId = Get("MORPH_SNAPSHOT_ID"),
            CloudflareApiToken = Get("CF_API_TOKEN"),
            CloudflareAccountId = Get("CF_ACCOUNT_ID"),
            CloudflareZoneId = Get("CF_ZONE_ID"),
        };
        if (settings.IsReal)
        {
            var missing = new[] { ("CMUX_PVE_URL", settings.PveUrl), ("CMUX_PVE_TOKEN", settings.PveToken), ("CMUX_DOMAIN", settings.Domain) }
                .Where(p => p.Item2 is null).Select(p => p.Item1).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidOperationException($"CMUX_MODE=real needs {string.Join(", ", missing)}.");
            }
        }
        return settings;
    }

    /// <summary>The folder holding Cmux.Conformance.sln, so reports land in the clone's artifacts/.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cmux.Conformance.sln")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
