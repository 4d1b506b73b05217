using System.Net;
using System.Net.NetworkInformation;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Cmux.Router.Loops;

/// <summary>
/// The addresses the router itself listens on, so that an upstream which is the router (a hosts
/// file or DNS name pointing back at it, a route to its own port) is refused before a connection
/// is made: forwarding to itself multiplies each request until file descriptors run out. A
/// wildcard listener (<c>0.0.0.0:8080</c>, <c>[::]:8080</c>) owns its port on every local address.
/// </summary>
public sealed class SelfEndpoints(IServer server)
{
    private (IPAddress Address, int Port)[]? _listeners;
    private HashSet<IPAddress>? _local;

    /// <summary>True when connecting to <paramref name="endpoint"/> would reach this router.</summary>
    public bool IsSelf(IPEndPoint endpoint)
    {
        var target = Normalise(endpoint.Address);
        foreach (var (address, port) in Listeners())
        {
            if (port != endpoint.Port)
            {
                continue;
            }
            if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
                ? IsLocal(target)
                : address.Equals(target))
            {
                return true;
            }
        }
        return false;
    }

    // Read on first use: the bound ports (port 0 included) are known only once the server has started.
    private (IPAddress Address, int Port)[] Listeners() => _listeners ??= Read(server);

    private static (IPAddress, int)[] Read(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var listeners = new List<(IPAddress, int)>();
        foreach (var text in addresses)
        {
            // Kestrel reports "http://0.0.0.0:8080", "http://[::]:8080", "http://localhost:5000",
            // and "http://+:80" / "http://*:80" for a wildcard it was given that way.
            var url = text.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                continue;
            }
            if (uri.IsLoopback && !IPAddress.TryParse(uri.Host.Trim('[', ']'), out _))
            {
                listeners.Add((IPAddress.Loopback, uri.Port));
                listeners.Add((IPAddress.IPv6Loopback, uri.Port));
            }
            else if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address))
            {
                listeners.Add((Normalise(address), uri.Port));
            }
        }
        return [.. listeners];
    }

    private bool IsLocal(IPAddress address)
    {
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }
        _local ??= LocalAddresses();
        return _local.Contains(address);
    }

    private static HashSet<IPAddress> LocalAddresses()
    {
        var local = new HashSet<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    local.Add(Normalise(unicast.Address));
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface list (a restricted sandbox): loopback is still recognised above.
        }
        return local;
    }

    private static IPAddress Normalise(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
