using System.Threading.Channels;

namespace Cmux.Load.Http1;

/// <summary>
/// At most N connections, each used by one request at a time. A slot is a permit: it holds an idle
/// connection, or nothing when the connection it had was closed (the renter then opens a new
/// one). A request that finds every slot taken waits for one, within its own timeout, as it would
/// for a connection of <c>SocketsHttpHandler</c>'s pool.
/// </summary>
public sealed class ConnectionPool : IDisposable
{
    private readonly Channel<Http1Connection?> _slots = Channel.CreateUnbounded<Http1Connection?>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false, AllowSynchronousContinuations = false });
    private volatile bool _disposed;

    public ConnectionPool(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        for (var i = 0; i < size; i++)
        {
            _slots.Writer.TryWrite(null);
        }
    }

    public int Size { get; }

    /// <summary>Takes a slot: an idle connection, or null when the renter must connect.</summary>
    public ValueTask<Http1Connection?> RentAsync(CancellationToken ct) => _slots.Reader.ReadAsync(ct);

    /// <summary>Gives the slot back with its connection still open, or with null when it was closed.</summary>
    public void Return(Http1Connection? connection)
    {
        if (_disposed)
        {
            connection?.Dispose();
            return;
        }
        _slots.Writer.TryWrite(connection);
        if (_disposed)
        {
            Drain();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Drain();
    }

    private void Drain()
    {
        while (_slots.Reader.TryRead(out var connection))
        {
            connection?.Dispose();
        }
    }
}
