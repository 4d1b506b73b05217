using System.Text;
using System.Text.RegularExpressions;

namespace Cmux.Conformance.Providers;

/// <summary>
/// A request's environment and working directory as a shell prologue, for the exec APIs that take
/// only a command (Morph's, and execd's in the cmux profile, as cmux's own client sends them).
/// A failed <c>cd</c> ends the command with cd's status rather than running it elsewhere.
/// </summary>
public static partial class ShellPrologue
{
    public static string Wrap(ExecRequest request)
    {
        var script = new StringBuilder();
        foreach (var (name, value) in request.Environment ?? new Dictionary<string, string>())
        {
            if (!ShellName().IsMatch(name))
            {
                throw new ArgumentException($"'{name}' is not an environment variable name a shell can export", nameof(request));
            }
            script.Append("export ").Append(name).Append('=').Append(Quote(value)).Append('\n');
        }
        if (request.WorkingDirectory is { } directory)
        {
            script.Append("cd -- ").Append(Quote(directory)).Append(" || exit\n");
        }
        return script.Append(request.Command).ToString();
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ShellName();
}
