using System.Net;

namespace Cmux.AppHost.Tests.Secrets;

/// <summary>
/// Requests that carry every secret of the run in headers and in the query string, each with a
/// marker of its own (a secret too) that says which request a leaked line came from.
/// </summary>
public sealed class SecretTraffic(IReadOnlyDictionary<string, string> secrets)
{
    private readonly List<SentRequest> _sent = [];

    /// <summary>The run's secrets and every marker sent so far, by what each is.</summary>
    public IReadOnlyDictionary<string, string> Watched =>
        secrets.Concat(_sent.Select(s => KeyValuePair.Create($"the marker of '{s.What}'", s.Marker)))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    public IReadOnlyList<SentRequest> Sent => _sent;

    /// <summary>
    /// Sends <paramref name="method"/> <paramref name="url"/> (its Host header <paramref name="host"/>
    /// when given) with <paramref name="credentials"/> as the service expects them, every secret in
    /// its own header and query parameter, and this request's marker in both.
    /// </summary>
    public async Task<HttpStatusCode> SendAsync(string what, HttpMessageInvoker client, HttpMethod method, Uri url,
        IReadOnlyDictionary<string, string> credentials, CancellationToken ct, HttpContent? body = null, string? host = null)
    {
        var marker = $"marker-{_sent.Count}-{Guid.NewGuid():N}";
        var query = secrets.Select(s => $"{ParameterName(s.Key)}={Uri.EscapeDataString(s.Value)}").Append($"marker={marker}");
        var target = new UriBuilder(url) { Query = string.Join('&', query) }.Uri;
        using var request = new HttpRequestMessage(method, target) { Content = body };
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        foreach (var (name, value) in credentials)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        foreach (var (name, value) in secrets)
        {
            request.Headers.TryAddWithoutValidation($"X-Secret-{ParameterName(name)}", value);
        }
        request.Headers.TryAddWithoutValidation("X-Cmux-Marker", marker);
        request.Headers.TryAddWithoutValidation("Cookie", $"marker={marker}");
        using var response = await client.SendAsync(request, ct);
        var answer = await response.Content.ReadAsStringAsync(ct);
        _sent.Add(new SentRequest(what, marker, response.StatusCode, answer.Length > 200 ? answer[..200] : answer));
        return response.StatusCode;
    }

    // "execd token" → token, as cmux's daemons read it (?token=); the others by what they are.
    private static string ParameterName(string secret) => secret == SecretNames.ExecdToken ? "token" : secret.Replace(' ', '_');
}

/// <summary>A request sent, with the start of its answer (to say why it was not served).</summary>
public sealed record SentRequest(string What, string Marker, HttpStatusCode Status, string Answer);

public static class SecretNames
{
    public const string PveToken = "PVE token secret";
    public const string CloudflareToken = "Cloudflare API token";
    public const string AccessClientId = "Access client id";
    public const string AccessClientSecret = "Access client secret";
    public const string ExecdToken = "execd token";
    public const string MorphApiKey = "Morph API key";
    public const string TunnelToken = "tunnel token";
}
