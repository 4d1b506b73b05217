using System.Buffers;
using System.Text.Json;
using Cmux.Execd.Exec;
using Cmux.Execd.Files;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Cmux.Execd.Profiles;

/// <summary>
/// The current Go daemon's contract (docs/contracts.md §4): <c>/healthz</c>, token auth checked
/// before anything else, <c>/exec</c> streaming NDJSON events, <c>/files</c> tar upload.
/// Errors are plain text, as Go's <c>http.Error</c> writes them; 401 is <c>{"error":"Unauthorized"}</c>.
/// </summary>
public static class CmuxEndpoints
{
    public const string ContentType = "application/jsonlines";

    private static readonly byte[] Newline = "\n"u8.ToArray();

    // Go's ServeMux patterns: exact, case-sensitive paths. /health and /alive are ours (ServiceDefaults).
    private static readonly HashSet<string> Paths = new(StringComparer.Ordinal) { "/healthz", "/exec", "/files", "/health", "/alive" };

    public static void Map(WebApplication app)
    {
        app.Use(GoServeMux);
        MapEndpoints(app);
    }

    private static void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.Map("/healthz", () => Results.Text("ok"));
        endpoints.Map("/exec", ExecAsync).AddEndpointFilter(RequireToken).AddEndpointFilter(CommandSlots.Filter(Error));
        endpoints.Map("/files", FilesAsync).AddEndpointFilter(RequireToken).AddEndpointFilter(CommandSlots.Filter(Error));
    }

    /// <summary>
    /// Routing as Go's <c>http.ServeMux</c> does it, before anything else: a path that is not clean
    /// (<c>//exec</c>, <c>/./exec</c>, <c>/a/../exec</c>) is redirected 301 to its clean form, and a
    /// path is served only when it is one of the patterns exactly (<c>/exec/</c> and <c>/EXEC</c>
    /// are 404, which ASP.NET Core routing alone would serve).
    /// </summary>
    private static Task GoServeMux(HttpContext context, RequestDelegate next)
    {
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var queryAt = target.IndexOf('?', StringComparison.Ordinal);
        var path = queryAt < 0 ? target : target[..queryAt];
        if (path.StartsWith('/') && GoPath.Clean(path) is var clean && clean != path)
        {
            var location = clean + (queryAt < 0 ? "" : target[queryAt..]);
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = location;
            if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                return context.Response.WriteAsync($"<a href=\"{System.Net.WebUtility.HtmlEncode(location)}\">Moved Permanently</a>.\n\n");
            }
            return Task.CompletedTask;
        }
        if (!Paths.Contains(context.Request.Path.Value ?? ""))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("404 page not found\n");
        }
        return next(context);
    }

    private static async ValueTask<object?> RequireToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var auth = context.HttpContext.RequestServices.GetRequiredService<TokenAuth>();
        return auth.IsAuthorized(context.HttpContext.Request)
            ? await next(context)
            : Results.Json(new { error = "Unauthorized" }, statusCode: StatusCodes.Status401Unauthorized);
    }

    private static async Task<IResult> ExecAsync(
        HttpContext context, CommandFactory factory, CommandRunner runner, IOptions<ExecdOptions> options)
    {
        var aborted = context.RequestAborted;
        var (request, error) = await ExecRequestReader.ReadAsync(context.Request, options.Value.MaxRequestBytes, RequestDialect.Go, aborted);
        if (error is not null)
        {
            return Error(error);
        }
        // The Go daemon reads only command and timeout_ms (the Go dialect leaves cwd and env unset).
        var timeoutMs = request!.TimeoutMs ?? 0;
        var (spec, invalid) = factory.Create(request, ExecRequestReader.Timeout(timeoutMs, RequestDialect.Go));
        if (invalid is not null)
        {
            return Error(invalid);
        }
        // As under Go: what the command leaves running in the background outlives it (cmux starts
        // its orchestrator with nohup ... &), and a shell killed by a signal reports -1.
        spec = spec! with { KeepBackground = true, SignalExitCode = -1, TimeoutText = $"timeout after {timeoutMs}ms" };

        var response = context.Response;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        await response.StartAsync(aborted);
        using var events = new EventStream(context, TimeSpan.FromMilliseconds(options.Value.ClientStallTimeoutMs));
        var stdout = new LineSplitter(line => events.Write(new { type = "stdout", data = line }), events.LineTooLong);
        var stderr = new LineSplitter(line => events.Write(new { type = "stderr", data = line }), events.LineTooLong);

        // The lines of one read go out with one flush: a flush per line would cost a write (and a
        // thread hand-off) per line of a chatty command.
        var result = await runner.RunAsync(spec!, async (stream, chunk) =>
        {
            await (stream == OutputStream.Stdout ? stdout : stderr).PushAsync(chunk);
            await events.FlushAsync();
        }, aborted);
        await stdout.FlushAsync();
        await stderr.FlushAsync();
        if (result.Error is not null)
        {
            await events.Write(new { type = "error", message = result.Error });
        }
        await events.Write(new { type = "exit", code = result.ExitCode });
        await events.FlushAsync();
        return Results.Empty;
    }

    private static async Task<IResult> FilesAsync(HttpContext context, IOptions<ExecdOptions> options)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return Error(new RequestError(StatusCodes.Status405MethodNotAllowed, "Method not allowed"));
        }
        var settings = options.Value;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = settings.MaxUploadBytes;
        }
        IReadOnlyList<string> problems;
        try
        {
            problems = await WorkspaceTar.ExtractAsync(context.Request.Body, settings.Workspace, context.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or UnauthorizedAccessException or ArgumentException)
        {
            problems = [e.Message];
        }
        // Go's daemon answers whatever tar(1) fails on with 500 and tar's complaint.
        return problems.Count == 0
            ? Results.Text("ok")
            : Error(new RequestError(StatusCodes.Status500InternalServerError, $"tar extraction failed: {string.Join("; ", problems)}"));
    }

    private static IResult Error(RequestError error) => Results.Text(error.Message + "\n", "text/plain; charset=utf-8", statusCode: error.Status);

    /// <summary>
    /// One JSON object per line, buffered in the response and sent by <see cref="FlushAsync"/>; one
    /// writer at a time (the command's I/O, then the request). A flush the client does not take
    /// within the stall timeout disconnects it, which kills its command (the runner watches the
    /// same abort): a client that stops reading holds nothing.
    /// </summary>
    private sealed class EventStream(HttpContext context, TimeSpan stallTimeout) : IDisposable
    {
        private readonly CancellationTokenSource _stall = new();
        private readonly System.IO.Pipelines.PipeWriter _body = context.Response.BodyWriter;

        public void Dispose() => _stall.Dispose();

        public ValueTask LineTooLong() =>
            Write(new { type = "error", message = $"line exceeds {LineSplitter.MaxLineBytes} bytes; dropped up to its end" });

        public ValueTask Write(object payload)
        {
            if (!_stall.IsCancellationRequested)
            {
                _body.Write(JsonSerializer.SerializeToUtf8Bytes(payload));
                _body.Write(Newline);
            }
            return ValueTask.CompletedTask;
        }

        public async ValueTask FlushAsync()
        {
            if (_stall.IsCancellationRequested)
            {
                return;
            }
            try
            {
                _stall.CancelAfter(stallTimeout);
                var flushed = await _body.FlushAsync(_stall.Token);
                _stall.CancelAfter(Timeout.InfiniteTimeSpan);
                if (flushed.IsCanceled || flushed.IsCompleted)
                {
                    Drop();
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                Drop();
            }
        }

        // The client went away or stalled; the runner sees the abort and kills the command.
        private void Drop()
        {
            _stall.Cancel();
            context.Abort();
        }
    }
}
