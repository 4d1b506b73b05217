using System.Text.RegularExpressions;
using Cmux.Fakes.Pve.State;

namespace Cmux.Fakes.Pve.Sandboxes;

/// <summary>
/// cmux's pre-start hookscript, the one hook the fake runs (docs/contracts.md §6.8): PVE 8 has no
/// container <c>env</c>, so cmux writes the clone's execd token into its description and this hook,
/// inherited from the template, finds the first <c>cmux-execd-auth-token=</c> followed by 64 hex
/// digits anywhere in the configuration and puts it into the container's environment at start.
/// Any other hookscript is named in the task log as not run.
/// </summary>
public static partial class TokenHook
{
    public const string Variable = "CMUX_EXECD_AUTH_TOKEN";

    private const string Script = "cmux-lxc-execd-token-hook.sh";

    /// <summary>The environment the hook gives the container, and what the task log says of it (never the token).</summary>
    public static (IReadOnlyDictionary<string, string>? Environment, string? Log) PreStart(Container container)
    {
        if (container.Config.GetValueOrDefault("hookscript") is not { } hookscript)
        {
            return (null, null);
        }
        if (!hookscript.EndsWith("/" + Script, StringComparison.Ordinal))
        {
            return (null, $"hookscript {hookscript}: not one this fake runs, skipped");
        }
        var configuration = string.Concat(container.Config.Select(kv => $"{kv.Key}: {kv.Value}\n"));
        var token = MarkedToken().Match(configuration);
        return token.Success
            ? (new Dictionary<string, string> { [Variable] = token.Groups[1].Value }, $"hookscript {hookscript}: pre-start set {Variable}")
            : (null, null);
    }

    [GeneratedRegex("cmux-execd-auth-token=([a-f0-9]{64})", RegexOptions.CultureInvariant)]
    private static partial Regex MarkedToken();
}
