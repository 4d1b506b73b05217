using System.Net.Http.Headers;
using System.Text.Json;

namespace Cmux.Execd.Exec;

/// <summary>An <c>/exec</c> body, validated. Unknown fields are ignored, as the Go daemon does.</summary>
public sealed record ExecRequest(string Command, string? Cwd, IReadOnlyDictionary<string, string> Env, long? TimeoutMs);

/// <summary>
/// How strictly a body is read. Seed: our own contract, strict. Cmux: as Go's <c>encoding/json</c>
/// decodes into cmux's request struct: only <c>command</c> and <c>timeout_ms</c> are fields (so
/// <c>cwd</c> and <c>env</c> of any type are unknown fields), names match case-insensitively,
/// whatever follows the first JSON value is not read, and the Content-Type need only contain
/// <c>application/json</c>.
/// </summary>
public enum RequestDialect
{
    Seed,
    Go,
}

/// <summary>Why a request was refused before anything ran: the status and a message a human can act on.</summary>
public sealed record RequestError(int Status, string Message);

/// <summary>Reads and validates an <c>/exec</c> request, in the Go daemon's order: method, content type, size, JSON, fields.</summary>
public static class ExecRequestReader
{
    public static async Task<(ExecRequest? Request, RequestError? Error)> ReadAsync(
        HttpRequest request, int maxBytes, RequestDialect dialect, CancellationToken ct)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return (null, new RequestError(StatusCodes.Status405MethodNotAllowed, "Method not allowed"));
        }
        if (!IsJson(request.ContentType, dialect))
        {
            return (null, new RequestError(StatusCodes.Status415UnsupportedMediaType, "Content-Type must be application/json"));
        }
        var body = await ReadBodyAsync(request, maxBytes, ct);
        if (body is null)
        {
            return (null, new RequestError(StatusCodes.Status413PayloadTooLarge, $"Request body too large (limit {maxBytes} bytes)"));
        }
        try
        {
            // Go's json.Decoder reads one value and leaves the rest of the stream alone.
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = dialect == RequestDialect.Go });
            using var document = JsonDocument.ParseValue(ref reader);
            if (dialect == RequestDialect.Seed && reader.Read())
            {
                return (null, Invalid("unexpected data after the JSON object"));
            }
            return Validate(document.RootElement, dialect);
        }
        catch (JsonException e)
        {
            return (null, Invalid(e.Message));
        }
    }

    private static (ExecRequest?, RequestError?) Validate(JsonElement root, RequestDialect dialect)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, Invalid($"expected a JSON object, got {root.ValueKind}"));
        }
        string? command = null;
        string? cwd = null;
        long? timeoutMs = null;
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (dialect == RequestDialect.Go ? GoFieldName(property.Name) : property.Name)
            {
                case "command" when value.ValueKind == JsonValueKind.String:
                    command = value.GetString();
                    break;
                case "command" when value.ValueKind != JsonValueKind.Null:
                    return (null, Invalid($"command must be a string, got {value.ValueKind}"));
                case "cwd" when value.ValueKind == JsonValueKind.String:
                    cwd = value.GetString();
                    break;
                case "cwd" when value.ValueKind != JsonValueKind.Null:
                    return (null, Invalid($"cwd must be a string, got {value.ValueKind}"));
                case "timeout_ms" when value.ValueKind == JsonValueKind.Number:
                    // Go's int is 64 bits: 2^31 and above are valid timeouts.
                    if (!value.TryGetInt64(out var ms))
                    {
                        return (null, Invalid($"timeout_ms must be an integer of at most {long.MaxValue}, got {value.GetRawText()}"));
                    }
                    timeoutMs = ms;
                    break;
                case "timeout_ms" when value.ValueKind != JsonValueKind.Null:
                    return (null, Invalid($"timeout_ms must be a number, got {value.ValueKind}"));
                case "env" when value.ValueKind == JsonValueKind.Object:
                    foreach (var variable in value.EnumerateObject())
                    {
                        if (variable.Value.ValueKind != JsonValueKind.String)
                        {
                            return (null, Invalid($"env.{variable.Name} must be a string, got {variable.Value.ValueKind}"));
                        }
                        env[variable.Name] = variable.Value.GetString()!;
                    }
                    break;
                case "env" when value.ValueKind != JsonValueKind.Null:
                    return (null, Invalid($"env must be an object of strings, got {value.ValueKind}"));
            }
        }
        if (string.IsNullOrWhiteSpace(command))
        {
            return (null, new RequestError(StatusCodes.Status400BadRequest, "Command is required"));
        }
        // bash would see the command cut at the NUL (execve takes C strings); Go refuses it, and so do we.
        if (command.Contains('\0') || cwd?.Contains('\0') == true || env.Any(v => v.Key.Contains('\0') || v.Value.Contains('\0')))
        {
            return (null, new RequestError(StatusCodes.Status400BadRequest, "Command must not contain a NUL byte"));
        }
        if (timeoutMs < 0)
        {
            return (null, new RequestError(StatusCodes.Status400BadRequest, "timeout_ms must be non-negative"));
        }
        return (new ExecRequest(command, cwd, env, timeoutMs), null);
    }

    // A CancellationTokenSource's longest timer (2^32 - 2 ms, about 49.7 days); beyond it, no timeout.
    private const long LongestTimerMs = uint.MaxValue - 1L;

    /// <summary>
    /// A positive <c>timeout_ms</c> as a timeout. In the Go dialect as Go computes it:
    /// <c>time.Duration(ms) * time.Millisecond</c> in int64 nanoseconds, wrapping on overflow, where
    /// only a positive result is a timeout. Beyond the longest timer there is none (49 days).
    /// </summary>
    public static TimeSpan? Timeout(long ms, RequestDialect dialect)
    {
        if (ms <= 0)
        {
            return null;
        }
        if (dialect == RequestDialect.Go)
        {
            var nanoseconds = unchecked(ms * 1_000_000);
            return nanoseconds <= 0 || nanoseconds / 1_000_000 > LongestTimerMs ? null : TimeSpan.FromTicks(nanoseconds / 100);
        }
        return ms > LongestTimerMs ? null : TimeSpan.FromMilliseconds(ms);
    }

    private static RequestError Invalid(string detail) => new(StatusCodes.Status400BadRequest, $"Invalid JSON body: {detail}");

    /// <summary>
    /// The field a Go struct decodes a key into: the exact name, else one equal under Unicode
    /// simple case folding, for which the only non-ASCII letters equal to ASCII ones are U+017F
    /// (long s, folds with s) and U+212A (Kelvin sign, folds with k). Null: an unknown field.
    /// </summary>
    private static string? GoFieldName(string key)
    {
        foreach (var field in GoFields)
        {
            if (key.Length == field.Length && key.Select(Fold).SequenceEqual(field))
            {
                return field;
            }
        }
        return null;

        static char Fold(char c) => c switch
        {
            '\u017F' => 's',
            '\u212A' => 'k',
            >= 'A' and <= 'Z' => (char)(c + ('a' - 'A')),
            _ => c,
        };
    }

    // cmux's request struct has these two fields; cwd and env are ours (seed).
    private static readonly string[] GoFields = ["command", "timeout_ms"];

    private static bool IsJson(string? contentType, RequestDialect dialect) => dialect == RequestDialect.Go
        ? contentType?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true
        : MediaTypeHeaderValue.TryParse(contentType, out var parsed)
          && string.Equals(parsed.MediaType, "application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>The whole body, or null when it is over <paramref name="maxBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
