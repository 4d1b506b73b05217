using System.Text.RegularExpressions;

namespace Cmux.AppHost.Tests.Secrets;

/// <summary>
/// What must not be in a log at Information: any secret (as sent, or URL-escaped as a query
/// carries it) and any query string (<c>?name=</c>), whatever it holds.
/// </summary>
public sealed partial class LeakScan(IReadOnlyDictionary<string, string> secrets)
{
    private const int MaxLineLength = 400;

    [GeneratedRegex(@"\?[\w.~%\[\]-]+=")]
    private static partial Regex QueryString();

    /// <summary>
    /// One finding per line that leaks, naming the log, what leaked and the line, each secret in it
    /// replaced by its name: the test's own output must not spread them either.
    /// </summary>
    public IEnumerable<string> Find(string log, IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            var leaked = secrets.Where(s => Forms(s.Value).Any(form => line.Contains(form, StringComparison.Ordinal))).ToList();
            var query = QueryString().IsMatch(line);
            if (leaked.Count == 0 && !query)
            {
                continue;
            }
            var what = leaked.Select(s => s.Key).Concat(query ? ["a query string"] : []);
            yield return $"{log}: {string.Join(", ", what)} in \"{Redact(line)}\"";
        }
    }

    private string Redact(string line)
    {
        foreach (var (name, secret) in secrets)
        {
            foreach (var form in Forms(secret))
            {
                line = line.Replace(form, $"<{name}>", StringComparison.Ordinal);
            }
        }
        return line.Length > MaxLineLength ? line[..MaxLineLength] + "…" : line;
    }

    private static string[] Forms(string secret) => [secret, Uri.EscapeDataString(secret)];
}
