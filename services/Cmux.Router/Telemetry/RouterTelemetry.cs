using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cmux.Router.Routing;

namespace Cmux.Router.Telemetry;

/// <summary>
/// The meter and activity source <c>Cmux.Router</c>: requests by route and status, and how long
/// upstreams take. Tag values are cached objects so recording allocates nothing.
/// </summary>
public sealed class RouterTelemetry : IDisposable
{
    public const string Name = "Cmux.Router";

    public static readonly ActivitySource Source = new(Name);

    private static readonly object[] RouteTags = ["none", "sandbox", "pve"];
    private static readonly object[] StatusTags = Enumerable.Range(0, 600).Select(code => (object)code).ToArray();

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _upstreamDuration;

    public RouterTelemetry(IMeterFactory meters)
    {
        _meter = meters.Create(Name);
        _requests = _meter.CreateCounter<long>("cmux.router.requests", "{request}", "Requests answered, by route and status.");
        _upstreamDuration = _meter.CreateHistogram<double>("cmux.router.upstream.duration", "s",
            "Time to forward a request and relay the upstream's response (the whole session for websockets).");
    }

    public static Activity? StartForward(RouteKind route, string destination)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var activity = Source.StartActivity("router.forward", ActivityKind.Internal);
        activity?.SetTag("cmux.router.route", RouteTags[(int)route]);
        activity?.SetTag("cmux.router.destination", destination);
        return activity;
    }

    public void RecordRequest(RouteKind route, int status)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new KeyValuePair<string, object?>("route", RouteTags[(int)route]), StatusTag(status));
        }
    }

    public void RecordUpstream(RouteKind route, int status, TimeSpan elapsed)
    {
        if (_upstreamDuration.Enabled)
        {
            _upstreamDuration.Record(elapsed.TotalSeconds,
                new KeyValuePair<string, object?>("route", RouteTags[(int)route]), StatusTag(status));
        }
    }

    private static KeyValuePair<string, object?> StatusTag(int status) =>
        new("status", status is >= 0 and < 600 ? StatusTags[status] : status);

    public void Dispose() => _meter.Dispose();
}
