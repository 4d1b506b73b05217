using System.Net;
using System.Net.Sockets;

namespace Cmux.Router.Resolution;

/// <summary>
/// Opens upstream connections for the shared handler: names the hosts file lists go to its
/// addresses, the rest through the system resolver unless <paramref name="hostsFileOnly"/> (then
/// they fail as unknown hosts). The request's Host is never touched.
/// </summary>
public sealed class UpstreamConnector(HostsFile? hostsFile, bool hostsFileOnly = false)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var target = context.DnsEndPoint;
        var addresses = hostsFile?.Resolve(target.Host);
        if (addresses is null && hostsFileOnly && !IPAddress.TryParse(target.Host, out _))
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (addresses is null)
            {
                await socket.ConnectAsync(target, cancellationToken);
            }
            else
            {
                await socket.ConnectAsync(addresses, target.Port, cancellationToken);
            }
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
