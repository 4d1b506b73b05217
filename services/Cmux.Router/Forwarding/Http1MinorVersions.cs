using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Cmux.Router.Forwarding;

/// <summary>
/// Go's server parses any <c>HTTP/x.y</c> of one digit each and serves every <c>HTTP/1.y</c> as
/// HTTP/1.1; Kestrel knows only 1.0 and 1.1 and refuses the rest with 505 before any application
/// code. This connection middleware rewrites the version of a connection's first request line from
/// <c>HTTP/1.2</c>..<c>HTTP/1.9</c> to <c>HTTP/1.1</c>, in place (same length, so every position
/// Kestrel holds stays valid), and marks the connection so that its answer closes it.
/// </summary>
/// <remarks>
/// Only the first request line is rewritten: finding the next one would mean reading the body
/// framing ahead of Kestrel, twice, on every connection. Closing the connection after the answer
/// sends a client that speaks 1.y to a new connection (whose first line is rewritten again) rather
/// than to a 505 on its second request. Other versions (0.y, 2.y and up) stay Kestrel's 505, as Go's.
/// </remarks>
public static class Http1MinorVersions
{
    /// <summary>Set in the connection's items when its first request line was rewritten.</summary>
    public const string RewrittenItem = "cmux.router.http1-minor-rewritten";

    // Go's limit on a request line is its header limit; a line not ended within this many bytes is
    // left to Kestrel, which refuses it anyway.
    private const int MaxScannedBytes = RouterServices.MaxHeaderBytes;

    public static IConnectionBuilder UseHttp1MinorVersions(this IConnectionBuilder builder) =>
        builder.Use(next => connection =>
        {
            var transport = connection.Transport;
            connection.Transport = new DuplexPipe(new FirstLineReader(transport.Input, connection), transport.Output);
            return next(connection);
        });

    public static bool WasRewritten(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(RewrittenItem) == true;

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private sealed class FirstLineReader(PipeReader inner, ConnectionContext connection) : PipeReader
    {
        private bool _done;

        // Once the first line is seen, reads go straight to Kestrel's pipe: no extra state machine on
        // the hot path of every later request on the connection.
        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            _done ? inner.ReadAsync(cancellationToken) : InspectingReadAsync(cancellationToken);

        private async ValueTask<ReadResult> InspectingReadAsync(CancellationToken cancellationToken)
        {
            var result = await inner.ReadAsync(cancellationToken);
            Inspect(result);
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result))
            {
                return false;
            }
            if (!_done)
            {
                Inspect(result);
            }
            return true;
        }

        // Kestrel has consumed nothing before the first line is whole, so the buffer starts at it.
        private void Inspect(ReadResult result)
        {
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryAdvanceTo((byte)'\n', advancePastDelimiter: false))
            {
                _done = result.IsCompleted || result.IsCanceled || buffer.Length > MaxScannedBytes;
                return;
            }
            _done = true;
            // " HTTP/1.y\r" ends the line; anything else is Kestrel's to accept or refuse.
            const int Tail = 10;
            var end = reader.Consumed;
            if (end < Tail)
            {
                return;
            }
            var tail = buffer.Slice(end - Tail, Tail);
            Span<byte> bytes = stackalloc byte[Tail];
            tail.CopyTo(bytes);
            if (!bytes[..8].SequenceEqual(" HTTP/1."u8) || bytes[8] is < (byte)'2' or > (byte)'9' || bytes[9] != (byte)'\r')
            {
                return;
            }
            var digit = tail.Slice(8, 1);
            // The pipe's segment is this connection's own received data, not yet given to Kestrel.
            MemoryMarshal.AsMemory(digit.First).Span[0] = (byte)'1';
            connection.Items[RewrittenItem] = true;
        }

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }
}
