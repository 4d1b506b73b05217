using System.Text;

namespace Cmux.Router.Forwarding;

/// <summary>
/// The request target as Go's <c>net/url</c> and <c>net/http</c> treat it on the way through
/// Caddy: a path with a bad percent escape is refused by Go's server (400); a path Go considers
/// validly encoded goes upstream byte for byte; any other path (raw UTF-8, say) goes upstream
/// decoded and re-escaped, as <c>URL.EscapedPath</c> writes it; the query always goes verbatim.
/// </summary>
public static class GoTarget
{
    private const string UpperHex = "0123456789ABCDEF";

    /// <summary>True when the target's path has a <c>%</c> not followed by two hex digits.</summary>
    public static bool HasBadEscape(string rawTarget)
    {
        var path = PathPart(rawTarget);
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] != '%')
            {
                continue;
            }
            if (i + 2 >= path.Length || !char.IsAsciiHexDigit(path[i + 1]) || !char.IsAsciiHexDigit(path[i + 2]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The path-and-query Go writes upstream for <paramref name="pathAndQuery"/>.</summary>
    public static string Escape(string pathAndQuery)
    {
        var query = pathAndQuery.IndexOf('?');
        var path = query < 0 ? pathAndQuery : pathAndQuery[..query];
        if (IsValidEncoded(path))
        {
            return pathAndQuery;
        }
        var escaped = EscapePath(Unescape(Encoding.UTF8.GetBytes(path)));
        return query < 0 ? escaped : escaped + pathAndQuery[query..];
    }

    private static ReadOnlySpan<char> PathPart(string rawTarget)
    {
        var span = rawTarget.AsSpan();
        var query = span.IndexOf('?');
        return query < 0 ? span : span[..query];
    }

    /// <summary>Go's <c>validEncoded(s, encodePath)</c>: every byte is a pchar, a sub-delim, a bracket or <c>%</c>.</summary>
    private static bool IsValidEncoded(string path)
    {
        foreach (var c in path)
        {
            if (c > 0x7f)
            {
                return false;
            }
            if (c is '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '@' or '[' or ']' or '%')
            {
                continue;
            }
            if (ShouldEscape((byte)c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Go's <c>shouldEscape(c, encodePath)</c>.</summary>
    private static bool ShouldEscape(byte c) => c switch
    {
        >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' => false,
        (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~' => false,
        (byte)'$' or (byte)'&' or (byte)'+' or (byte)',' or (byte)'/' or (byte)':' or (byte)';' or (byte)'=' or (byte)'@' => false,
        _ => true,
    };

    private static byte[] Unescape(byte[] raw)
    {
        var decoded = new List<byte>(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == (byte)'%' && i + 2 < raw.Length
                && char.IsAsciiHexDigit((char)raw[i + 1]) && char.IsAsciiHexDigit((char)raw[i + 2]))
            {
                decoded.Add(Convert.FromHexString([(char)raw[i + 1], (char)raw[i + 2]])[0]);
                i += 2;
            }
            else
            {
                decoded.Add(raw[i]);
            }
        }
        return [.. decoded];
    }

    private static string EscapePath(byte[] path)
    {
        var escaped = new StringBuilder(path.Length * 3);
        foreach (var b in path)
        {
            if (ShouldEscape(b))
            {
                escaped.Append('%').Append(UpperHex[b >> 4]).Append(UpperHex[b & 0xf]);
            }
            else
            {
                escaped.Append((char)b);
            }
        }
        return escaped.ToString();
    }
}
