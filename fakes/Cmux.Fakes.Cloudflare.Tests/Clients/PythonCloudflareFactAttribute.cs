using System.Diagnostics;

namespace Cmux.Fakes.Cloudflare.Tests.Clients;

/// <summary>
/// A fact that needs Debian's <c>python3-cloudflare</c> (<c>import CloudFlare</c>; eng/bootstrap.sh
/// installs it): reported as skipped, with that reason, when no interpreter here can import it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PythonCloudflareFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Found = new(Find);

    public PythonCloudflareFactAttribute()
    {
        if (Interpreter is null)
        {
            Skip = "python3-cloudflare is not installed (apt-get install python3-cloudflare, or run eng/bootstrap.sh)";
        }
    }

    /// <summary>Debian's interpreter first: a pyenv or venv python3 on PATH does not see Debian's packages.</summary>
    public static string? Interpreter => Found.Value;

    private static string? Find()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(candidate, ["-c", "import CloudFlare"])
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                });
                if (process is not null && process.WaitForExit(30_000) && process.ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed under that name
            }
        }
        return null;
    }
}
