using System.Runtime.CompilerServices;

namespace Cmux.Load.Http1;

/// <summary>What a load client keeps of a response: its status, body size and whether the connection stays open.</summary>
public readonly record struct Http1Response(int StatusCode, long BodyBytes, bool KeepAlive);

/// <summary>
/// One HTTP/1.1 connection (plain or TLS) that sends pre-built requests and parses the responses
/// with <see cref="ResponseParser"/>, draining bodies into its one read buffer. Not thread-safe:
/// one request at a time, as a pooled connection is used.
/// </summary>
public sealed class Http1Connection : IAsyncDisposable, IDisposable
{
    /// <summary>Large enough for the longest line the parser accepts, and for a 16 KiB TLS record at a time.</summary>
    public const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly ResponseParser _parser = new();
    private int _start;
    private int _end;
    private long _receivedSinceSend;

    public Http1Connection(Stream stream) => _stream = stream;

    /// <summary>Responses completed on this connection: a reused connection may have been closed by the server meanwhile.</summary>
    public long Responses { get; private set; }

    /// <summary>Bytes received after the last complete response (a response nobody asked for yet).</summary>
    public int Buffered => _end - _start;

    /// <summary>Whether any byte arrived since the last request was written (else a failure is the connection's, not the response's).</summary>
    public bool ResponseStarted => _receivedSinceSend > 0;

    /// <summary>
    /// Writes the request and reads one response. Throws <see cref="MalformedResponseException"/> on a
    /// malformed response, <see cref="ResponseEndedException"/> when the connection closes first,
    /// and what the stream throws; after any exception the connection is unusable.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Http1Response> SendAsync(ReadOnlyMemory<byte> request, bool headRequest, CancellationToken ct)
    {
        _receivedSinceSend = _end - _start;
        await _stream.WriteAsync(request, ct);
        _parser.Reset(headRequest);
        while (true)
        {
            if (_end > _start)
            {
                _start += _parser.Parse(_buffer.AsSpan(_start, _end - _start));
                if (_parser.IsComplete)
                {
                    break;
                }
            }
            if (_start == _end)
            {
                _start = _end = 0;
            }
            else if (_end == _buffer.Length)
            {
                // A partial line at the end of the buffer: move it to the front (the parser bounds a line well below the buffer).
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                (_start, _end) = (0, _end - _start);
            }
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (read == 0)
            {
                _parser.EndOfStream();
                break;
            }
            _end += read;
            _receivedSinceSend += read;
        }
        Responses++;
        return new Http1Response(_parser.StatusCode, _parser.BodyBytes, _parser.KeepAlive);
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    public void Dispose() => _stream.Dispose();
}
