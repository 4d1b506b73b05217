using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Pve.Api;

/// <summary>The one node this fake is: any other node name fails as PVE fails to reach an unknown host.</summary>
public sealed class NodeGuard(IOptions<PveFakeOptions> options)
{
    public string Node => options.Value.Node;

    public void Check(ApiRequest request)
    {
        if (request.Text("node") is { } node && node != Node)
        {
            throw PveException.Handler($"hostname lookup '{node}' failed - failed to get address info for: {node}: Name or service not known");
        }
    }
}
