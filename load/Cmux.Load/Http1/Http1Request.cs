using System.Text;

namespace Cmux.Load.Http1;

/// <summary>Builds the bytes of one HTTP/1.1 request once, so every send is a single write of the same buffer.</summary>
public static class Http1Request
{
    public static byte[] Build(
        string method, string pathAndQuery, string host, IEnumerable<KeyValuePair<string, string>> headers,
        bool connectionClose, ReadOnlySpan<byte> body, string? contentType)
    {
        var head = new StringBuilder();
        head.Append(Token(method, "method")).Append(' ').Append(Field(pathAndQuery, "request target")).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(Field(host, "Host")).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(Token(name, "header name")).Append(": ").Append(Field(value, $"header {name}")).Append("\r\n");
        }
        if (connectionClose)
        {
            head.Append("Connection: close\r\n");
        }
        if (contentType is not null)
        {
            head.Append("Content-Type: ").Append(Field(contentType, "Content-Type")).Append("\r\n");
        }
        if (contentType is not null || !body.IsEmpty)
        {
            head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        }
        head.Append("\r\n");
        var headBytes = Encoding.Latin1.GetBytes(head.ToString());
        var request = new byte[headBytes.Length + body.Length];
        headBytes.CopyTo(request, 0);
        body.CopyTo(request.AsSpan(headBytes.Length));
        return request;
    }

    private static string Token(string value, string what) =>
        value.Length > 0 && value.All(c => c is > ' ' and < '\x7f' and not (':' or '(' or ')' or ',' or '/' or ';' or '<' or '=' or '>' or '?' or '@' or '[' or '\\' or ']' or '{' or '}' or '"'))
            ? value
            : throw new ArgumentException($"{what} '{value}' is not an HTTP token");

    // No CR, LF or NUL (they would end or split the header), and Latin-1 only, as HTTP/1.1 carries it.
    private static string Field(string value, string what) =>
        value.All(c => c is not ('\r' or '\n' or '\0') && c <= '\xff')
            ? value
            : throw new ArgumentException($"{what}: a request field may not hold CR, LF, NUL or characters beyond Latin-1");
}
