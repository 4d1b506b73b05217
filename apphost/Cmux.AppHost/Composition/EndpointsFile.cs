using System.Text.Json;

namespace Cmux.AppHost.Composition;

/// <summary>
/// Writes every resource's endpoints to <c>{Cmux:RunDirectory}/endpoints.json</c> as Aspire
/// allocates them (<c>{"edge": {"https": "tcp://localhost:41234", ...}, ...}</c>), so a process
/// beside the AppHost (the benchmarks, through <c>eng/lib/stack.sh</c>) reaches the composed stack without Aspire's API:
/// the same composition code and keys as the suite and the dashboard. The file is replaced whole on
/// every change, never left half written.
/// </summary>
internal static class EndpointsFile
{
    public const string Name = "endpoints.json";

    public static void WriteEndpointsTo(this IDistributedApplicationBuilder builder, string runDirectory)
    {
        var path = Path.Combine(runDirectory, Name);
        File.Delete(path);
        var endpoints = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        var gate = new Lock();
        builder.Eventing.Subscribe<ResourceEndpointsAllocatedEvent>((e, _) =>
        {
            var allocated = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var endpoint in e.Resource.Annotations.OfType<EndpointAnnotation>())
            {
                if (endpoint.AllocatedEndpoint is { } at)
                {
                    allocated[endpoint.Name] = at.UriString;
                }
            }
            lock (gate)
            {
                endpoints[e.Resource.Name] = allocated;
                Directory.CreateDirectory(runDirectory);
                File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(endpoints, Indented));
                File.Move(path + ".tmp", path, overwrite: true);
            }
            return Task.CompletedTask;
        });
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
