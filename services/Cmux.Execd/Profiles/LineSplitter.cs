using System.Text;

namespace Cmux.Execd.Profiles;

/// <summary>
/// Splits a byte stream into lines as the Go daemon's scanner does: trailing <c>\r</c> removed,
/// empty lines dropped; a line over 1 MiB is reported once and skipped up to its end.
/// </summary>
public sealed class LineSplitter(Func<string, ValueTask> onLine, Func<ValueTask> onLineTooLong)
{
    public const int MaxLineBytes = 1024 * 1024;

    private readonly MemoryStream _pending = new();
    private bool _skipping;

    public async ValueTask PushAsync(ReadOnlyMemory<byte> chunk)
    {
        while (!chunk.IsEmpty)
        {
            var newline = chunk.Span.IndexOf((byte)'\n');
            var part = newline < 0 ? chunk : chunk[..newline];
            if (!_skipping)
            {
                _pending.Write(part.Span);
                if (_pending.Length > MaxLineBytes)
                {
                    _pending.SetLength(0);
                    _skipping = true;
                    await onLineTooLong();
                }
            }
            if (newline < 0)
            {
                return;
            }
            await EmitAsync();
            _skipping = false;
            chunk = chunk[(newline + 1)..];
        }
    }

    /// <summary>The last line, when the stream did not end with a newline.</summary>
    public ValueTask FlushAsync() => _skipping ? ValueTask.CompletedTask : EmitAsync();

    private ValueTask EmitAsync()
    {
        var length = (int)_pending.Length;
        var bytes = _pending.GetBuffer().AsSpan(0, length);
        if (length > 0 && bytes[^1] == '\r')
        {
            bytes = bytes[..^1];
        }
        var line = Encoding.UTF8.GetString(bytes);
        _pending.SetLength(0);
        return line.Length == 0 ? ValueTask.CompletedTask : onLine(line);
    }
}
