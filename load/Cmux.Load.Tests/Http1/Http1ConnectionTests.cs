using System.Text;
using Cmux.Load.Http1;

namespace Cmux.Load.Tests.Http1;

/// <summary>A connection over a scripted stream: reads split anywhere, responses that arrive together, closes and errors.</summary>
public sealed class Http1ConnectionTests
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";

    private const string Chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n";

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Each_request_is_one_write_of_the_prebuilt_bytes()
    {
        var stream = new ScriptedStream(Ok + Ok);
        await using var connection = new Http1Connection(stream);

        await connection.SendAsync(Request, headRequest: false, CancellationToken.None);
        await connection.SendAsync(Request, headRequest: false, CancellationToken.None);

        stream.Writes.Count.ShouldBe(2);
        stream.Writes.ShouldAllBe(write => write.SequenceEqual(Request));
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Responses_read_split_at_every_byte_boundary_come_out_whole()
    {
        var bytes = Encoding.ASCII.GetBytes(Ok + Chunked + Ok);
        for (var split = 0; split <= bytes.Length; split++)
        {
            await using var connection = new Http1Connection(new ScriptedStream(bytes[..split], bytes[split..]));

            var responses = new List<Http1Response>();
            for (var i = 0; i < 3; i++)
            {
                responses.Add(await connection.SendAsync(Request, headRequest: false, CancellationToken.None));
            }

            responses.ShouldBe([new(200, 3, true), new(200, 6, true), new(200, 3, true)], $"split at byte {split}");
            connection.Buffered.ShouldBe(0);
        }
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task A_response_read_one_byte_at_a_time_comes_out_whole()
    {
        var bytes = Encoding.ASCII.GetBytes(Chunked + Ok);
        await using var connection = new Http1Connection(new ScriptedStream(bytes.Select(b => new[] { b }).ToArray()));

        (await connection.SendAsync(Request, false, CancellationToken.None)).ShouldBe(new Http1Response(200, 6, true));
        (await connection.SendAsync(Request, false, CancellationToken.None)).ShouldBe(new Http1Response(200, 3, true));
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task Bodies_larger_than_the_buffer_are_drained_and_counted()
    {
        var size = (3 * Http1Connection.BufferSize) + 17;
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n");
        await using var connection = new Http1Connection(new ScriptedStream([.. head, .. new byte[size]]));

        (await connection.SendAsync(Request, false, CancellationToken.None)).ShouldBe(new Http1Response(200, size, true));
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task A_partial_line_at_the_end_of_a_full_buffer_is_kept()
    {
        // The first response ends 5 bytes before the buffer does, so the first read cuts the second
        // response's status line after "HTTP/": it must be moved to the front before reading on.
        var headLength = "HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n".Length;
        var body = Http1Connection.BufferSize - 5 - headLength;
        var bytes = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body}\r\n\r\n{new string('x', body)}{Ok}");
        await using var connection = new Http1Connection(new ScriptedStream(bytes[..Http1Connection.BufferSize], bytes[Http1Connection.BufferSize..]));

        (await connection.SendAsync(Request, false, CancellationToken.None)).ShouldBe(new Http1Response(200, body, true));
        connection.Buffered.ShouldBe(5);
        (await connection.SendAsync(Request, false, CancellationToken.None)).ShouldBe(new Http1Response(200, 3, true));
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task A_body_that_ends_at_close_completes_with_the_close()
    {
        await using var connection = new Http1Connection(new ScriptedStream("HTTP/1.0 200 OK\r\n\r\nto the end"));

        (await connection.SendAsync(Request, false, CancellationToken.None)).ShouldBe(new Http1Response(200, 10, false));
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task A_close_says_whether_any_of_the_response_had_arrived()
    {
        await using var silent = new Http1Connection(new ScriptedStream(Ok));
        await silent.SendAsync(Request, false, CancellationToken.None);
        await Should.ThrowAsync<ResponseEndedException>(async () => await silent.SendAsync(Request, false, CancellationToken.None));
        silent.ResponseStarted.ShouldBeFalse();

        await using var cut = new Http1Connection(new ScriptedStream("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
        await Should.ThrowAsync<ResponseEndedException>(async () => await cut.SendAsync(Request, false, CancellationToken.None));
        cut.ResponseStarted.ShouldBeTrue();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public async Task A_malformed_response_throws()
    {
        await using var connection = new Http1Connection(new ScriptedStream("SSH-2.0-OpenSSH_9.2\r\n"));

        await Should.ThrowAsync<MalformedResponseException>(async () => await connection.SendAsync(Request, false, CancellationToken.None));
    }

    /// <summary>Reads come back exactly as scripted (one script entry, or as much of it as fits, per read), then end of stream.</summary>
    private sealed class ScriptedStream(params byte[][] reads) : Stream
    {
        private Queue<byte[]> _reads = new(reads.Where(r => r.Length > 0));

        public ScriptedStream(string text)
            : this(Encoding.ASCII.GetBytes(text))
        {
        }

        public List<byte[]> Writes { get; } = [];

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_reads.TryPeek(out var next))
            {
                return ValueTask.FromResult(0);
            }
            var count = Math.Min(next.Length, buffer.Length);
            next.AsSpan(0, count).CopyTo(buffer.Span);
            _reads.Dequeue();
            if (count < next.Length)
            {
                _reads = new Queue<byte[]>([next[count..], .. _reads]);
            }
            return ValueTask.FromResult(count);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.ToArray());
            return ValueTask.CompletedTask;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().Result;

        public override void Write(byte[] buffer, int offset, int count) => Writes.Add(buffer[offset..(offset + count)]);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
