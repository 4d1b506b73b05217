namespace Cmux.Conformance.Tests.Suite;

/// <summary>
/// How the suite runs. <c>CMUX_MODE=fakes</c> (default) tests the embedded fakes through the
/// AppHost; <c>CMUX_MODE=real</c> tests the PVE host named by <c>CMUX_PVE_URL</c> (and Morph when
/// <c>MORPH_API_KEY</c> is set). <c>CMUX_CONFIG</c> may name a file of <c>KEY=value</c> lines that
/// sets any of these variables (the environment wins). Credentials come only from the
/// environment or that file, never from the repository.
/// </summary>
public sealed record SuiteSettings(string Mode, string Profile, string ReportFolder)
{
    public bool IsReal => Mode == "real";

    public static SuiteSettings Load()
    {
        LoadConfigFile(Environment.GetEnvironmentVariable("CMUX_CONFIG"));
        var mode = Get("CMUX_MODE") ?? "fakes";
        if (mode is not ("fakes" or "real"))
        {
            throw new InvalidOperationException($"CMUX_MODE must be 'fakes' or 'real', not '{mode}'.");
        }
        return new SuiteSettings(
            mode,
            Get("CMUX_PROFILE") ?? "seed",
            Get("CMUX_REPORT_DIR") ?? Path.Combine(RepositoryRoot(), "artifacts", "conformance"));
    }

    private static string? Get(string key) => Environment.GetEnvironmentVariable(key) is { Length: > 0 } value ? value : null;

    private static void LoadConfigFile(string? file)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            return;
        }
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"CMUX_CONFIG names '{file}', which does not exist.", file);
        }
        foreach (var (line, number) in File.ReadAllLines(file).Select((l, i) => (l.Trim(), i + 1)))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"{file}:{number}: expected KEY=value, got '{line}'.");
            }
            var key = line[..equals].Trim();
            if (Get(key) is null)
            {
                Environment.SetEnvironmentVariable(key, line[(equals + 1)..].Trim());
            }
        }
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
