using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cmux.Router.Tests;

/// <summary>One request as bytes on the wire: header lines are sent exactly as written (case, order,
/// duplicates), which <see cref="HttpClient"/> and <see cref="Uri"/> would normalise.</summary>
public sealed record RawRequest(string Head, byte[]? Body = null, bool WaitForContinue = false)
{
    /// <summary>A request from lines joined with CRLF and ended by an empty line.</summary>
    public static RawRequest Of(params string[] lines) => new(string.Join("\r\n", lines) + "\r\n\r\n");

    public bool IsHead => Head.StartsWith("HEAD ", StringComparison.Ordinal);
}

public sealed record RawResponse(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, IReadOnlyList<int> Interim)
{
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>A minimal HTTP/1.1 client over a raw socket: status, headers, body (length, chunked or to close).</summary>
public sealed class RawHttpConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawHttpConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public Stream Stream => _stream;

    public static async Task<RawHttpConnection> OpenAsync(IPEndPoint endpoint, CancellationToken ct)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint, ct);
        return new RawHttpConnection(socket);
    }

    /// <summary>Sends each request in turn on this connection and reads its response.</summary>
    public static async Task<IReadOnlyList<RawResponse>> ExchangeAsync(IPEndPoint endpoint, IEnumerable<RawRequest> requests, CancellationToken ct)
    {
        await using var connection = await OpenAsync(endpoint, ct);
        var responses = new List<RawResponse>();
        foreach (var request in requests)
        {
            responses.Add(await connection.SendAsync(request, ct));
        }
        return responses;
    }

    public async Task<RawResponse> SendAsync(RawRequest request, CancellationToken ct)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(request.Head), ct);
        var interim = new List<int>();
        if (request.WaitForContinue)
        {
            var (status, headers) = await ReadHeadAsync(ct);
            if (status != 100)
            {
                return new RawResponse(status, headers, await ReadBodyAsync(status, headers, request.IsHead, ct), interim);
            }
            interim.Add(status);
        }
        if (request.Body is { Length: > 0 } body)
        {
            try
            {
                await _stream.WriteAsync(body, ct);
            }
            catch (IOException)
            {
                // The server answered (and closed) before taking the whole body, as a proxy may
                // for a request it refuses: its answer is still there to read.
            }
        }
        while (true)
        {
            var (status, headers) = await ReadHeadAsync(ct);
            if (status is >= 100 and < 200 && status != 101)
            {
                interim.Add(status);
                continue;
            }
            return new RawResponse(status, headers, await ReadBodyAsync(status, headers, request.IsHead, ct), interim);
        }
    }

    /// <summary>Reads a status line and headers; the connection then carries whatever follows (a websocket).</summary>
    public async Task<(int Status, List<KeyValuePair<string, string>> Headers)> ReadHeadAsync(CancellationToken ct)
    {
        var statusLine = await ReadLineAsync(ct) ?? throw new IOException("connection closed before a response");
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
        {
            throw new IOException($"not an HTTP status line: '{statusLine}'");
        }
        var headers = new List<KeyValuePair<string, string>>();
        while (await ReadLineAsync(ct) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':');
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }
        return (status, headers);
    }

    /// <summary>Bytes read past the response head, not yet consumed.</summary>
    public int Buffered => _end - _start;

    private async Task<byte[]> ReadBodyAsync(int status, List<KeyValuePair<string, string>> headers, bool head, CancellationToken ct)
    {
        if (head || status is 204 or 304 or 101)
        {
            return [];
        }
        string? Find(string name) => headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
        if (Find("Transfer-Encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var body = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync(ct) ?? throw new IOException("connection closed inside a chunked body");
                var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
                if (size == 0)
                {
                    while (await ReadLineAsync(ct) is { Length: > 0 })
                    {
                        // trailers
                    }
                    return body.ToArray();
                }
                body.Write(await ReadExactlyAsync(size, ct));
                await ReadLineAsync(ct);
            }
        }
        if (Find("Content-Length") is { } length)
        {
            return await ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), ct);
        }
        var rest = new MemoryStream();
        do
        {
            rest.Write(_buffer, _start, _end - _start);
            _start = _end;
        }
        while (await FillAsync(ct));
        return rest.ToArray();
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken ct)
    {
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_start == _end && !await FillAsync(ct))
            {
                throw new IOException($"connection closed after {copied} of {count} body bytes");
            }
            var n = Math.Min(count - copied, _end - _start);
            Array.Copy(_buffer, _start, result, copied, n);
            _start += n;
            copied += n;
        }
        return result;
    }

    private async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        var line = new MemoryStream();
        while (true)
        {
            if (_start == _end && !await FillAsync(ct))
            {
                return line.Length == 0 ? null : Encoding.Latin1.GetString(line.ToArray());
            }
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline < 0)
            {
                line.Write(_buffer, _start, _end - _start);
                _start = _end;
                continue;
            }
            line.Write(_buffer, _start, newline - _start);
            _start = newline + 1;
            var text = Encoding.Latin1.GetString(line.ToArray());
            return text.EndsWith('\r') ? text[..^1] : text;
        }
    }

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        _start = 0;
        _end = await _stream.ReadAsync(_buffer, ct);
        return _end > 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
