using Cmux.Contract;

namespace Cmux.Conformance.Runtime;

/// <summary>
/// How the suite runs. <c>CMUX_MODE=fakes</c> (default) tests the embedded fakes through the
/// AppHost; <c>CMUX_MODE=real</c> tests the endpoints the environment names (see
/// <see cref="RealProviders"/>). <c>CMUX_CONFIG</c> may name a file of <c>KEY=value</c> lines that
/// sets any of these variables (the environment wins). The report, and what checks leave for a
/// person to look at (screenshots), go to <c>CMUX_REPORT_DIR</c> (default <c>artifacts/conformance</c>). Credentials come only from the
/// environment or that file, never from the repository.
/// </summary>
public sealed record SuiteSettings(string Mode, string Profile, string ReportFolder)
{
    public const string Fakes = "fakes";
    public const string Real = "real";

    public bool IsReal => Mode == Real;

    public static SuiteSettings Load()
    {
        LoadConfigFile(Get("CMUX_CONFIG"));
        var mode = Get("CMUX_MODE") ?? Fakes;
        if (mode is not (Fakes or Real))
        {
            throw new InvalidOperationException($"CMUX_MODE must be '{Fakes}' or '{Real}', not '{mode}'.");
        }
        return new SuiteSettings(
            mode,
            Profiles.Parse(Get("CMUX_PROFILE"), "CMUX_PROFILE"),
            Get("CMUX_REPORT_DIR") ?? Path.Combine(RepositoryRoot(), "artifacts", "conformance"));
    }

    internal static string? Get(string key) => Environment.GetEnvironmentVariable(key) is { Length: > 0 } value ? value : null;

    private static void LoadConfigFile(string? file)
    {
        if (file is null)
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

    /// <summary>The project's commit, for the report: <c>CMUX_COMMIT</c>, CI's <c>GITHUB_SHA</c>, or git's HEAD.</summary>
    public static string Commit()
    {
        if ((Get("CMUX_COMMIT") ?? Get("GITHUB_SHA")) is { } given)
        {
            return given;
        }
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("git", ["rev-parse", "HEAD"])
            {
                WorkingDirectory = RepositoryRoot(),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var git = System.Diagnostics.Process.Start(start)!;
            var head = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && head.Length > 0 ? head : "unknown (not a git checkout)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (git is not installed)";
        }
    }
}
