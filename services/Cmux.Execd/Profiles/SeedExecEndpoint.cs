using System.Text;
using Cmux.Execd.Exec;
using Microsoft.Extensions.Options;

namespace Cmux.Execd.Profiles;

/// <summary>
/// The seed's v1 contract: <c>POST /exec</c> answers one JSON object
/// <c>{"stdout", "stderr", "exitCode", "truncated"}</c> once the command ends.
/// Errors are <c>{"error": "..."}</c>.
/// </summary>
public static class SeedExecEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.Map("/exec", HandleAsync).AddEndpointFilter(CommandSlots.Filter(Error));

    private static async Task<IResult> HandleAsync(
        HttpContext context, CommandFactory factory, CommandRunner runner, IOptions<ExecdOptions> options)
    {
        var settings = options.Value;
        var aborted = context.RequestAborted;
        var (request, error) = await ExecRequestReader.ReadAsync(context.Request, settings.MaxRequestBytes, RequestDialect.Seed, aborted);
        if (error is not null)
        {
            return Error(error);
        }
        var timeoutMs = request!.TimeoutMs ?? settings.DefaultTimeoutMs;
        var (spec, invalid) = factory.Create(request, ExecRequestReader.Timeout(timeoutMs, RequestDialect.Seed));
        if (invalid is not null)
        {
            return Error(invalid);
        }

        var stdout = new CappedOutput(settings.MaxOutputBytes);
        var stderr = new CappedOutput(settings.MaxOutputBytes);
        var result = await runner.RunAsync(spec!, (stream, chunk) =>
        {
            (stream == OutputStream.Stdout ? stdout : stderr).Append(chunk.Span);
            return ValueTask.CompletedTask;
        }, aborted);

        var errorText = stderr.ToString();
        if (result.Error is not null)
        {
            errorText += $"{(errorText.Length == 0 || errorText.EndsWith('\n') ? "" : "\n")}execd: {result.Error}{KilledNote(result)}\n";
        }
        // The answer is written after the command: a client that does not take it within the
        // stall timeout is disconnected rather than holding the buffered output.
        using var stall = new CancellationTokenSource(TimeSpan.FromMilliseconds(settings.ClientStallTimeoutMs));
        using var abort = stall.Token.Register(context.Abort);
        await Results.Json(new SeedExecResponse(stdout.ToString(), errorText, result.ExitCode, stdout.Truncated || stderr.Truncated)).ExecuteAsync(context);
        return Results.Empty;
    }

    private static string KilledNote(CommandResult result) =>
        result.Termination == Termination.TimedOut ? "; the command and every process it started were killed" : "";

    private static IResult Error(RequestError error) => Results.Json(new { error = error.Message }, statusCode: error.Status);

    private sealed record SeedExecResponse(string Stdout, string Stderr, int ExitCode, bool Truncated);

    /// <summary>Keeps the first <c>limit</c> bytes of a stream and counts the rest, so the cut is stated, never silent.</summary>
    private sealed class CappedOutput(int limit)
    {
        private readonly MemoryStream _kept = new();
        private long _dropped;

        public bool Truncated => _dropped > 0;

        public void Append(ReadOnlySpan<byte> chunk)
        {
            var room = (int)Math.Min(chunk.Length, limit - _kept.Length);
            _kept.Write(chunk[..room]);
            _dropped += chunk.Length - room;
        }

        public override string ToString()
        {
            var text = Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length);
            return Truncated ? $"{text}\n[execd: output truncated at {limit} bytes; {_dropped} more bytes dropped]\n" : text;
        }
    }
}
