using System.Buffers.Text;
using System.Text;

namespace Cmux.Load.Http1;

/// <summary>
/// An incremental HTTP/1.x response parser that reads only what a load client needs: the status,
/// how the body is framed (Content-Length, chunked, or until the connection closes) and whether
/// the connection stays open. It counts body bytes without copying them.
/// <see cref="Parse"/> consumes whole lines and body bytes and stops exactly at the end of the
/// response, so bytes of a following response (or of a line not yet complete) stay with the
/// caller for the next call. Interim 1xx responses are skipped.
/// </summary>
public sealed class ResponseParser
{
    /// <summary>The longest status, header, chunk-size or trailer line accepted.</summary>
    public const int MaxLineLength = 16 * 1024;

    /// <summary>The most header (and trailer) bytes one response may carry.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    private State _state;
    private long _remaining;
    private long? _contentLength;
    private bool _chunked;
    private bool _otherTransferCoding;
    private bool _connectionClose;
    private bool _connectionKeepAlive;
    private int _minorVersion;
    private int _headerBytes;
    private bool _headRequest;

    private enum State
    {
        StatusLine,
        Headers,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        UntilClose,
        Done,
    }

    public int StatusCode { get; private set; }

    /// <summary>Body bytes so far, without chunk framing.</summary>
    public long BodyBytes { get; private set; }

    /// <summary>Every byte of the response consumed so far (1xx responses included).</summary>
    public long BytesConsumed { get; private set; }

    public bool IsComplete => _state == State.Done;

    /// <summary>Whether the connection may carry another request once this response is complete.</summary>
    public bool KeepAlive { get; private set; }

    /// <summary>Ready for the next response; <paramref name="headRequest"/>: it answers a HEAD, so it has no body.</summary>
    public void Reset(bool headRequest = false)
    {
        _state = State.StatusLine;
        _headRequest = headRequest;
        BodyBytes = 0;
        BytesConsumed = 0;
        StatusCode = 0;
        KeepAlive = false;
        StartHead();
    }

    /// <summary>
    /// Consumes what it can of <paramref name="data"/> and returns how many bytes that was: never
    /// past the end of the response, and never a partial line (the caller keeps those bytes and
    /// offers them again with more). Throws <see cref="MalformedResponseException"/> on a malformed response.
    /// </summary>
    public int Parse(ReadOnlySpan<byte> data)
    {
        var consumed = 0;
        while (consumed < data.Length && _state != State.Done)
        {
            var rest = data[consumed..];
            switch (_state)
            {
                case State.Body:
                case State.ChunkData:
                    var take = (int)Math.Min(_remaining, rest.Length);
                    _remaining -= take;
                    BodyBytes += take;
                    consumed += take;
                    if (_remaining == 0)
                    {
                        _state = _state == State.Body ? State.Done : State.ChunkDataEnd;
                    }
                    break;
                case State.UntilClose:
                    BodyBytes += rest.Length;
                    consumed += rest.Length;
                    break;
                default:
                    var lf = rest.IndexOf((byte)'\n');
                    if (lf < 0)
                    {
                        if (rest.Length >= MaxLineLength)
                        {
                            throw new MalformedResponseException($"a line of the response is longer than {MaxLineLength} bytes");
                        }
                        BytesConsumed += consumed;
                        return consumed;
                    }
                    if (lf >= MaxLineLength)
                    {
                        throw new MalformedResponseException($"a line of the response is longer than {MaxLineLength} bytes");
                    }
                    var line = rest[..lf];
                    if (line.Length > 0 && line[^1] == (byte)'\r')
                    {
                        line = line[..^1];
                    }
                    consumed += lf + 1;
                    OnLine(line, lf + 1);
                    break;
            }
        }
        BytesConsumed += consumed;
        return consumed;
    }

    /// <summary>
    /// The connection delivered its last byte. Completes a body that ends at close; anything else
    /// unfinished is a response cut short (<see cref="ResponseEndedException"/>).
    /// </summary>
    public void EndOfStream()
    {
        switch (_state)
        {
            case State.Done:
                return;
            case State.UntilClose:
                _state = State.Done;
                KeepAlive = false;
                return;
            default:
                throw new ResponseEndedException(BytesConsumed == 0
                    ? "the connection closed before a response"
                    : $"the connection closed in the middle of the response ({Describe(_state)})");
        }
    }

    private void StartHead()
    {
        _contentLength = null;
        _chunked = false;
        _otherTransferCoding = false;
        _connectionClose = false;
        _connectionKeepAlive = false;
        _headerBytes = 0;
        _remaining = 0;
    }

    private void OnLine(ReadOnlySpan<byte> line, int rawLength)
    {
        switch (_state)
        {
            case State.StatusLine:
                CountHeaderBytes(rawLength);
                ParseStatusLine(line);
                _state = State.Headers;
                break;
            case State.Headers:
                CountHeaderBytes(rawLength);
                if (line.IsEmpty)
                {
                    EndOfHead();
                }
                else
                {
                    ParseHeader(line);
                }
                break;
            case State.ChunkSize:
                _remaining = ParseChunkSize(line);
                _state = _remaining == 0 ? State.Trailers : State.ChunkData;
                _headerBytes = 0;
                break;
            case State.ChunkDataEnd:
                if (!line.IsEmpty)
                {
                    throw new MalformedResponseException("a chunk's data is not followed by CRLF");
                }
                _state = State.ChunkSize;
                break;
            case State.Trailers:
                CountHeaderBytes(rawLength);
                if (line.IsEmpty)
                {
                    _state = State.Done;
                }
                else if (line.IndexOf((byte)':') <= 0)
                {
                    throw new MalformedResponseException("a trailer line has no field name");
                }
                break;
            default:
                throw new InvalidOperationException($"no line is expected in state {_state}");
        }
    }

    private void CountHeaderBytes(int count)
    {
        _headerBytes += count;
        if (_headerBytes > MaxHeaderBytes)
        {
            throw new MalformedResponseException($"the response's header section is longer than {MaxHeaderBytes} bytes");
        }
    }

    // HTTP/1.x SP 3DIGIT [SP reason]; the reason phrase is not read.
    private void ParseStatusLine(ReadOnlySpan<byte> line)
    {
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || !IsDigit(line[7]) || line[8] != (byte)' '
            || !IsDigit(line[9]) || !IsDigit(line[10]) || !IsDigit(line[11]) || (line.Length > 12 && line[12] != (byte)' '))
        {
            throw new MalformedResponseException($"not an HTTP/1.x status line: '{Printable(line)}'");
        }
        _minorVersion = line[7] - '0';
        StatusCode = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        if (StatusCode < 100)
        {
            throw new MalformedResponseException($"status {StatusCode} is not a valid status code");
        }
    }

    private void ParseHeader(ReadOnlySpan<byte> line)
    {
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            // Obsolete line folding continues the previous field; none of the fields read here folds.
            return;
        }
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            throw new MalformedResponseException($"a header line has no field name: '{Printable(line)}'");
        }
        var name = line[..colon];
        if (name[^1] is (byte)' ' or (byte)'\t')
        {
            throw new MalformedResponseException("whitespace between a header's name and its colon");
        }
        var value = line[(colon + 1)..].Trim(" \t"u8);
        if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
        {
            foreach (var range in value.Split((byte)','))
            {
                var item = value[range].Trim(" \t"u8);
                if (item.IsEmpty || item.Length > 18 || !Utf8Parser.TryParse(item, out long length, out var used) || used != item.Length || length < 0 || item[0] is (byte)'+' or (byte)'-')
                {
                    throw new MalformedResponseException($"Content-Length '{Printable(value)}' is not a length");
                }
                if (_contentLength is { } earlier && earlier != length)
                {
                    throw new MalformedResponseException("two different Content-Length values");
                }
                _contentLength = length;
            }
        }
        else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
        {
            // Only the last coding frames the body: chunked there means chunked, anything else means until close.
            var last = value;
            var comma = value.LastIndexOf((byte)',');
            if (comma >= 0)
            {
                last = value[(comma + 1)..].Trim(" \t"u8);
            }
            _chunked = Ascii.EqualsIgnoreCase(last, "chunked"u8);
            _otherTransferCoding = !_chunked;
        }
        else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
        {
            foreach (var range in value.Split((byte)','))
            {
                var token = value[range].Trim(" \t"u8);
                _connectionClose |= Ascii.EqualsIgnoreCase(token, "close"u8);
                _connectionKeepAlive |= Ascii.EqualsIgnoreCase(token, "keep-alive"u8);
            }
        }
    }

    private void EndOfHead()
    {
        if (StatusCode is >= 100 and < 200 and not 101)
        {
            // An interim response (100 Continue, 103 Early Hints): the final one follows.
            _state = State.StatusLine;
            StartHead();
            return;
        }
        KeepAlive = !_connectionClose && (_minorVersion >= 1 || _connectionKeepAlive);
        if (StatusCode == 101)
        {
            // The connection now speaks another protocol: it cannot carry another request.
            KeepAlive = false;
            _state = State.Done;
        }
        else if (_headRequest || StatusCode is 204 or 304)
        {
            _state = State.Done;
        }
        else if (_chunked)
        {
            _state = State.ChunkSize;
        }
        else if (_otherTransferCoding || _contentLength is null)
        {
            KeepAlive = false;
            _state = State.UntilClose;
        }
        else
        {
            _remaining = _contentLength.Value;
            _state = _remaining == 0 ? State.Done : State.Body;
        }
    }

    private static long ParseChunkSize(ReadOnlySpan<byte> line)
    {
        var semicolon = line.IndexOf((byte)';');
        var digits = (semicolon >= 0 ? line[..semicolon] : line).TrimEnd(" \t"u8);
        if (digits.IsEmpty || digits.Length > 15)
        {
            throw new MalformedResponseException($"chunk size '{Printable(line)}' is not a hexadecimal size");
        }
        long size = 0;
        foreach (var b in digits)
        {
            var digit = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => throw new MalformedResponseException($"chunk size '{Printable(line)}' is not a hexadecimal size"),
            };
            size = (size << 4) | (long)digit;
        }
        return size;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static string Describe(State state) => state switch
    {
        State.StatusLine or State.Headers => "in its header",
        State.Body => "in its body",
        _ => "in its chunked body",
    };

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, 80)]);
        return string.Concat(text.Select(c => char.IsControl(c) ? '?' : c));
    }
}

/// <summary>A response that is not HTTP/1.x as RFC 9112 frames it; the report counts it as <c>protocol</c>.</summary>
public sealed class MalformedResponseException(string message) : Exception(message);

/// <summary>The connection closed before the response was complete; counted as <c>connection_reset</c>.</summary>
public sealed class ResponseEndedException(string message) : IOException(message);
