using System.Text;

namespace Cmux.Execd.Profiles;

/// <summary>
/// Splits a byte stream into lines as the Go daemon does (<c>bufio.Scanner</c> with a 1 MiB
/// buffer, then <c>strings.TrimRight(line, "\r")</c>): every trailing <c>\r</c> removed, empty
/// lines dropped, a line of 1 MiB or more (its <c>\n</c> would not fit the buffer) reported once
/// and skipped up to its end. Go stops reading the stream there; we go on (docs/contracts.md §4.6).
/// Bytes that are not UTF-8 become U+FFFD one byte each, as Go's JSON encoder writes them.
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
                if (_pending.Length >= MaxLineBytes)
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
        var bytes = _pending.GetBuffer().AsSpan(0, (int)_pending.Length).TrimEnd((byte)'\r');
        var line = bytes.IsEmpty ? "" : DecodeAsGo(bytes);
        _pending.SetLength(0);
        return line.Length == 0 ? ValueTask.CompletedTask : onLine(line);
    }

    /// <summary>UTF-8 to text, each byte of an invalid sequence one U+FFFD (Go's <c>utf8.DecodeRune</c> advances one byte on error).</summary>
    public static string DecodeAsGo(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }
        var text = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
            {
                text.Append(rune.ToString());
                bytes = bytes[consumed..];
            }
            else
            {
                text.Append('\uFFFD');
                bytes = bytes[1..];
            }
        }
        return text.ToString();
    }
}
