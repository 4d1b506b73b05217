namespace Cmux.Router.Routing;

/// <summary>Go's <c>net.SplitHostPort</c> as Caddy applies it to a Host header, without allocating.</summary>
public static class HostPort
{
    /// <summary>The host without its port; the whole value when it has none.</summary>
    public static ReadOnlySpan<char> HostOf(ReadOnlySpan<char> host) =>
        TrySplit(host, out var name, out _) ? name : host;

    /// <summary>The port as written (Caddy's <c>{port}</c> placeholder); empty when the host has none.</summary>
    public static ReadOnlySpan<char> PortOf(ReadOnlySpan<char> host) =>
        TrySplit(host, out _, out var port) ? port : default;

    private static bool TrySplit(ReadOnlySpan<char> value, out ReadOnlySpan<char> host, out ReadOnlySpan<char> port)
    {
        host = port = default;
        var colon = value.LastIndexOf(':');
        if (colon < 0)
        {
            return false;
        }
        if (value[0] == '[')
        {
            // "[v6]:port"; "[v6]" alone has no port.
            if (colon == 0 || value[colon - 1] != ']')
            {
                return false;
            }
            host = value[1..(colon - 1)];
        }
        else
        {
            host = value[..colon];
            if (host.Contains(':'))
            {
                return false;
            }
        }
        port = value[(colon + 1)..];
        return true;
    }
}
