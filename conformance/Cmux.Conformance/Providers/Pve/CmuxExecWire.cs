using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cmux.Contract;

namespace Cmux.Conformance.Providers.Pve;

/// <summary>
/// Exec in the cmux profile (docs/contracts.md §4.2, §4.3): the Go daemon reads only
/// <c>{"command", "timeout_ms"}</c> and answers NDJSON events (<c>stdout</c>/<c>stderr</c> with one
/// line each in <c>data</c>, <c>error</c> with <c>message</c>, a final <c>exit</c> with <c>code</c>).
/// A working directory and environment therefore travel inside the command, and the output is
/// put back together as cmux's own client does: each line plus a newline, trailing whitespace trimmed.
/// </summary>
public static partial class CmuxExecWire
{
    /// <summary>The request body for <paramref name="request"/>.</summary>
    public static string Body(ExecRequest request)
    {
        var command = ShellPrologue.Wrap(request);
        return request.Timeout is { } timeout
            ? JsonSerializer.Serialize(new { command, timeout_ms = (long)timeout.TotalMilliseconds })
            : JsonSerializer.Serialize(new { command });
    }

    /// <summary>The events of an answer, in one result; an answer without its <c>exit</c> event was cut short.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Read(string ndjson)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        int? exit = null;
        foreach (var line in ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(line);
            var e = document.RootElement;
            switch (e.TryGetProperty("type", out var type) ? type.GetString() : null)
            {
                case "stdout":
                    stdout.Append(e.GetProperty("data").GetString()).Append('\n');
                    break;
                case "stderr":
                    stderr.Append(e.GetProperty("data").GetString()).Append('\n');
                    break;
                case "error":
                    stderr.Append(e.TryGetProperty("message", out var m) ? m.GetString() : "Unknown error").Append('\n');
                    break;
                case "exit":
                    exit = e.TryGetProperty("code", out var code) ? code.GetInt32() : 0;
                    break;
            }
        }
        return exit is { } status
            ? (status, stdout.ToString().TrimEnd(), stderr.ToString().TrimEnd())
            : throw new JsonException($"the answer ended without an exit event ({ndjson.Length} bytes)");
    }

    /// <summary>The vmid's instance id in cmux's form (<c>pvelxc-</c> and 8 hex digits): the container's
    /// hostname and the URL label. Derived from the vmid, so it is known again after a restart.</summary>
    public static string InstanceId(int vmid)
    {
        var id = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"pvelxc-{vmid:x8}");
        return UrlPatterns.IsCmuxInstanceId(id) ? id : throw new ArgumentOutOfRangeException(nameof(vmid), vmid, "a vmid is positive");
    }

    /// <summary>Where cmux's PVE 8 path carries a clone's execd token (docs/contracts.md §6.8).</summary>
    public const string TokenEnvKey = "CMUX_EXECD_AUTH_TOKEN";

    public const string TokenMarker = "cmux-execd-auth-token=";

    /// <summary>A fresh per-clone token: 32 random bytes in lower-case hex, as cmux makes them.</summary>
    public static string NewToken() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The description with every marker line replaced by one for <paramref name="token"/>, other lines kept.</summary>
    public static string WithTokenMarker(string description, string token) => string.Join('\n',
        description.TrimEnd('\n').Split('\n').Where(l => l.Length > 0 && !l.TrimStart().StartsWith(TokenMarker, StringComparison.Ordinal))
            .Append(TokenMarker + token));

    /// <summary>The token a container's configuration carries: its <c>env</c> entry first, else the description's marker.</summary>
    public static string? TokenIn(string? env, string? description)
    {
        var fromEnv = (env ?? "").Split('\0').FirstOrDefault(e => e.StartsWith(TokenEnvKey + "=", StringComparison.Ordinal))?[(TokenEnvKey.Length + 1)..];
        var fromDescription = (description ?? "").Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => l.StartsWith(TokenMarker, StringComparison.Ordinal))?[TokenMarker.Length..];
        return new[] { fromEnv, fromDescription }.FirstOrDefault(t => t is not null && Token().IsMatch(t));
    }

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex Token();

}
