using System.Net;
using System.Net.Sockets;
using Cmux.Router.Loops;

namespace Cmux.Router.Resolution;

/// <summary>
/// Opens upstream connections for the shared handler: names the hosts file lists go to its
/// addresses, the rest through the system resolver unless <paramref name="hostsFileOnly"/> (then
/// they fail as unknown hosts). An upstream that resolves to one of the router's own listeners is
/// refused (<see cref="UpstreamLoopException"/>) before any connection is made. The request's Host
/// is never touched.
/// </summary>
public sealed class UpstreamConnector(HostsFile? hostsFile, bool hostsFileOnly = false, SelfEndpoints? self = null)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var target = context.DnsEndPoint;
        var addresses = hostsFile?.Resolve(target.Host);
        if (addresses is null)
        {
            if (IPAddress.TryParse(target.Host, out var literal))
            {
                addresses = [literal];
            }
            else if (hostsFileOnly)
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }
            else
            {
                addresses = await Dns.GetHostAddressesAsync(target.Host, cancellationToken);
            }
        }
        if (self is not null)
        {
            foreach (var address in addresses)
            {
                var endpoint = new IPEndPoint(address, target.Port);
                if (self.IsSelf(endpoint))
                {
                    throw new UpstreamLoopException(target.Host, endpoint);
                }
            }
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, target.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
