using System.Net;

namespace Cmux.Router.Loops;

/// <summary>Thrown when the upstream a route names is the router itself; answered 508.</summary>
public sealed class UpstreamLoopException(string host, IPEndPoint endpoint)
    : IOException($"Upstream {host} resolves to {endpoint}, which is this router's own listener.")
{
    public IPEndPoint Endpoint => endpoint;
}
