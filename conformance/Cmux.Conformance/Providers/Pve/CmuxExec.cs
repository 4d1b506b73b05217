using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cmux.Conformance.Providers.Pve;

/// <summary>
/// The cmux profile's exec on the wire (docs/contracts.md §4.2, §4.3): the request carries only
/// <c>command</c> and <c>timeout_ms</c>, so the working directory and the environment travel in the
/// command, after the <c>export HOME=/root XDG_RUNTIME_DIR=/run/user/0;</c> prefix cmux's client puts
/// on every command; the answer is NDJSON events. Unlike cmux's client, a stream without an
/// <c>exit</c> event is a failure here, not exit code 0: that weakness is what the suite must catch.
/// </summary>
internal static class CmuxExec
{
    /// <summary>What cmux's client sends when the caller names no timeout.</summary>
    public const long DefaultTimeoutMs = 300_000;

    private const string Prefix = "export HOME=/root XDG_RUNTIME_DIR=/run/user/0; ";

    public static CmuxExecBody Body(ExecRequest request)
    {
        var command = new StringBuilder(Prefix);
        foreach (var (name, value) in request.Environment ?? new Dictionary<string, string>())
        {
            command.Append("export ").Append(name).Append('=').Append(Quote(value)).Append("; ");
        }
        if (request.WorkingDirectory is { } cwd)
        {
            command.Append("cd ").Append(Quote(cwd)).Append(" && ");
        }
        command.Append(request.Command);
        return new CmuxExecBody(command.ToString(), request.Timeout is { } t ? (long)t.TotalMilliseconds : DefaultTimeoutMs);
    }

    /// <summary>The events as a result: lines joined with <c>\n</c>, <c>error</c> messages appended to stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Parse(string body)
    {
        var stdout = new List<string>();
        var stderr = new List<string>();
        int? exit = null;
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var e = JsonSerializer.Deserialize(line, CmuxExecJson.Default.CmuxExecEvent)
                ?? throw new JsonException($"an empty event: {line}");
            switch (e.Type)
            {
                case "stdout":
                    stdout.Add(e.Data ?? "");
                    break;
                case "stderr":
                    stderr.Add(e.Data ?? "");
                    break;
                case "error":
                    stderr.Add(e.Message ?? "");
                    break;
                case "exit":
                    exit = e.Code ?? throw new JsonException($"an exit event without a code: {line}");
                    break;
                default:
                    throw new JsonException($"an event of unknown type '{e.Type}': {line}");
            }
        }
        return exit is { } code
            ? (code, string.Join('\n', stdout), string.Join('\n', stderr))
            : throw new JsonException($"the stream ended without an exit event ({stdout.Count} stdout, {stderr.Count} stderr lines)");
    }

    private static string Quote(string value) => $"'{value.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}

internal sealed record CmuxExecBody(
    [property: JsonPropertyName("command")] string Command,
    [property: JsonPropertyName("timeout_ms")] long TimeoutMs);

internal sealed record CmuxExecEvent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("data")] string? Data,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("code")] int? Code);

[JsonSerializable(typeof(CmuxExecBody))]
[JsonSerializable(typeof(CmuxExecEvent))]
internal sealed partial class CmuxExecJson : JsonSerializerContext;
