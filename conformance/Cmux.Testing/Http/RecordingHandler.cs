namespace Cmux.Testing;

/// <summary>One API call as it went over the wire.</summary>
public sealed record ApiExchange(string Method, string Path, string? RequestBody, int Status, string ResponseBody);

/// <summary>Records every request and response body that passes through it.</summary>
public sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly List<ApiExchange> _exchanges = [];

    public IReadOnlyList<ApiExchange> Exchanges
    {
        get
        {
            lock (_exchanges)
            {
                return _exchanges.ToList();
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var requestBody = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        var responseBody = await response.Content.ReadAsStringAsync(cancellationToken);
        lock (_exchanges)
        {
            _exchanges.Add(new ApiExchange(request.Method.Method, request.RequestUri!.AbsolutePath, requestBody, (int)response.StatusCode, responseBody));
        }
        return response;
    }
}
