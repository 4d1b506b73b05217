using System.Net.Http.Headers;
using System.Text.Json;

namespace Cmux.Execd.Exec;

/// <summary>An <c>/exec</c> body, validated. Unknown fields are ignored, as the Go daemon does.</summary>
public sealed record ExecRequest(string Command, string? Cwd, IReadOnlyDictionary<string, string> Env, int? TimeoutMs);

/// <summary>Why a request was refused before anything ran: the status and a message a human can act on.</summary>
public sealed record RequestError(int Status, string Message);

/// <summary>Reads and validates an <c>/exec</c> request, in the Go daemon's order: method, content type, size, JSON, fields.</summary>
public static class ExecRequestReader
{
    public static async Task<(ExecRequest? Request, RequestError? Error)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return (null, new RequestError(StatusCodes.Status405MethodNotAllowed, "Method not allowed"));
        }
        if (!IsJson(request.ContentType))
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
            using var document = JsonDocument.Parse(body);
            return Validate(document.RootElement);
        }
        catch (JsonException e)
        {
            return (null, Invalid(e.Message));
        }
    }

    private static (ExecRequest?, RequestError?) Validate(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, Invalid($"expected a JSON object, got {root.ValueKind}"));
        }
        string? command = null;
        string? cwd = null;
        int? timeoutMs = null;
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
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
                    if (!value.TryGetInt32(out var ms))
                    {
                        return (null, Invalid($"timeout_ms must be an integer of at most {int.MaxValue}, got {value.GetRawText()}"));
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

    private static RequestError Invalid(string detail) => new(StatusCodes.Status400BadRequest, $"Invalid JSON body: {detail}");

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
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
