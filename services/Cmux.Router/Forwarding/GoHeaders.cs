using System.Buffers;
using Microsoft.Net.Http.Headers;

namespace Cmux.Router.Forwarding;

/// <summary>
/// Request header syntax Go's server refuses (400) before Caddy runs, where Kestrel is laxer and the
/// router would forward what Caddy never does: a field name with a byte outside RFC 9110's token
/// characters (a control byte, say).
/// </summary>
public static class GoHeaders
{
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    public static bool HasInvalidName(IHeaderDictionary headers)
    {
        foreach (var header in headers)
        {
            if (header.Key.AsSpan().ContainsAnyExcept(TokenChars))
            {
                return true;
            }
        }
        return false;
    }
}
