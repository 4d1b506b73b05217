using System.Buffers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;

namespace Cmux.Fakes.Sandbox.Services;

/// <summary>
/// The endpoints the suite leans on, served on every port of every sandbox under <c>/_cmux/</c>:
/// echo (the request exactly as the sandbox saw it), websocket echo, server-sent events, a large
/// streamed body, a slow answer, and who answered.
/// </summary>
public static class TestEndpoints
{
    public const string Prefix = "/_cmux";
    private const int PatternPeriod = 251;
    private const int ChunkSize = 64 * 1024;

    // Long enough that any chunk can start at any phase of the pattern.
    private static readonly byte[] Pattern = [.. Enumerable.Range(0, ChunkSize + PatternPeriod).Select(i => PatternByte(i))];

    public static void Map(IEndpointRouteBuilder endpoints, SandboxContext sandbox, int port, string service)
    {
        var group = endpoints.MapGroup(Prefix);
        group.Map("/echo", context => EchoAsync(context, sandbox));
        group.Map("/echo/{**rest}", context => EchoAsync(context, sandbox));
        group.MapGet("/ws", WebSocketEcho.RunAsync);
        group.MapGet("/sse", SseAsync);
        group.MapGet("/bytes", BytesAsync);
        group.MapGet("/slow", SlowAsync);
        group.MapGet("/info", () => Results.Json(new { sandbox = sandbox.Id, hostname = sandbox.Hostname, port, service }));
    }

    /// <summary>Byte <c>i</c> of every <c>/_cmux/bytes</c> body: <c>i % 251</c> (a prime, so shifted or lost chunks show).</summary>
    public static byte PatternByte(long index) => (byte)(index % PatternPeriod);

    private static async Task EchoAsync(HttpContext context, SandboxContext sandbox)
    {
        var request = context.Request;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = null;
            }
            int read;
            while ((read = await request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var connection = context.Connection;
        await context.Response.WriteAsJsonAsync(new
        {
            sandbox = sandbox.Id,
            port = connection.LocalPort,
            method = request.Method,
            path = (request.PathBase + request.Path).Value,
            rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
            queryString = request.QueryString.Value,
            host = request.Headers.Host.ToString(),
            protocol = request.Protocol,
            scheme = request.Scheme,
            // Kestrel keeps repeated headers in order; across names it lists known headers first.
            headers = request.Headers.SelectMany(h => h.Value.Select(v => new[] { h.Key, v ?? "" })).ToArray(),
            bodyLength = length,
            bodySha256 = Convert.ToHexStringLower(sha.GetHashAndReset()),
            remoteAddress = connection.RemoteIpAddress?.ToString(),
            remotePort = connection.RemotePort,
            localAddress = connection.LocalIpAddress?.ToString(),
        }, context.RequestAborted);
    }

    private static async Task<IResult> SseAsync(HttpContext context, int count = 3, int interval_ms = 100)
    {
        if (count is < 0 or > 100_000 || interval_ms is < 0 or > 60_000)
        {
            return Results.BadRequest(new { error = "count must be in 0..100000 and interval_ms in 0..60000" });
        }
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                await Task.Delay(interval_ms, context.RequestAborted);
            }
            await response.WriteAsync($"id: {i}\nevent: tick\ndata: {{\"n\":{i}}}\n\n", context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
        }
        return Results.Empty;
    }

    private static async Task<IResult> BytesAsync(HttpContext context, long size, int chunked = 0)
    {
        if (size is < 0 or > 16L * 1024 * 1024 * 1024)
        {
            return Results.BadRequest(new { error = "size must be in 0..17179869184" });
        }
        var response = context.Response;
        response.ContentType = "application/octet-stream";
        if (chunked == 0)
        {
            response.ContentLength = size;
        }
        for (long sent = 0; sent < size;)
        {
            var count = (int)Math.Min(ChunkSize, size - sent);
            await response.Body.WriteAsync(Pattern.AsMemory((int)(sent % PatternPeriod), count), context.RequestAborted);
            sent += count;
        }
        return Results.Empty;
    }

    private static async Task<IResult> SlowAsync(int ms, CancellationToken ct)
    {
        if (ms is < 0 or > 600_000)
        {
            return Results.BadRequest(new { error = "ms must be in 0..600000" });
        }
        await Task.Delay(ms, ct);
        return Results.Json(new { waitedMs = ms });
    }
}
