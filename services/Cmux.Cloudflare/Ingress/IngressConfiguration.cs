using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cmux.Cloudflare.Ingress;

/// <summary>
/// A tunnel's ingress, parsed and validated by cloudflared's rules (<c>ingress/ingress.go</c>), with
/// cloudflared's messages: a wildcard only as the first character, no port in a hostname, the last
/// rule (and only the last) matches everything, a service URL has a scheme and host and no path.
/// </summary>
public sealed class IngressConfiguration
{
    public const string NoRules = "The config file doesn't contain any ingress rules";
    public const string LastRuleNotCatchAll = "The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)";
    public const string BadWildcard = "Hostname patterns can have at most one wildcard character (\"*\") and it can only be used for subdomains, e.g. \"*.example.com\"";
    public const string HostnameContainsPort = "Hostname cannot contain a port";

    private IngressConfiguration(IReadOnlyList<IngressRule> rules) => Rules = rules;

    public IReadOnlyList<IngressRule> Rules { get; }

    /// <summary>The first matching rule, else the catch-all (cloudflared's <c>FindMatchingRule</c>).</summary>
    public IngressRule Match(string host, string path) => Rules.FirstOrDefault(r => r.Matches(host, path)) ?? Rules[^1];

    /// <summary>Parses <c>{ingress: [...], originRequest}</c>; returns null and cloudflared's message when invalid.</summary>
    public static IngressConfiguration? TryParse(JsonObject? config, out string error)
    {
        try
        {
            error = "";
            return Parse(config);
        }
        catch (IngressException e)
        {
            error = e.Message;
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            error = $"originRequest: {e.Message}";
            return null;
        }
    }

    private static IngressConfiguration Parse(JsonObject? config)
    {
        if (config?["ingress"] is not JsonArray ingress || ingress.Count == 0)
        {
            throw new IngressException(NoRules);
        }
        var defaults = OriginRequest.Default.Apply(ReadObject(config, "originRequest"));
        var rules = new List<IngressRule>();
        for (var i = 0; i < ingress.Count; i++)
        {
            var rule = ingress[i] as JsonObject ?? throw new IngressException($"Rule #{i + 1} is not an object");
            var hostname = ReadString(rule, "hostname");
            var path = ReadString(rule, "path");
            var service = ParseService(ReadString(rule, "service"));
            ValidateHostname(hostname, path, i, ingress.Count);
            rules.Add(new IngressRule(hostname, ParsePath(path, i), service, defaults.Apply(ReadObject(rule, "originRequest"))));
        }
        return new IngressConfiguration(rules);
    }

    private static IngressService ParseService(string service)
    {
        if (service.StartsWith("http_status:", StringComparison.Ordinal))
        {
            return int.TryParse(service["http_status:".Length..], out var status)
                ? new IngressService(service, null, status)
                : throw new IngressException($"invalid HTTP status: strconv.Atoi: parsing \"{service["http_status:".Length..]}\": invalid syntax");
        }
        if (!Uri.TryCreate(service, UriKind.Absolute, out var url) || url.Host.Length == 0)
        {
            throw new IngressException($"{service} is an invalid address, please make sure it has a scheme and a hostname");
        }
        if (HasPath(service))
        {
            throw new IngressException($"{service} is an invalid address, ingress rules don't support proxying to a different path on the origin service. The path will be the same as the eyeball request's path");
        }
        if (url.Scheme is not ("http" or "https"))
        {
            throw new IngressException($"{service}: the edge forwards only http, https and http_status services");
        }
        return new IngressService(service, url, null);
    }

    private static void ValidateHostname(string hostname, string path, int index, int total)
    {
        if (HasPort(hostname))
        {
            throw new IngressException(HostnameContainsPort);
        }
        if (hostname.LastIndexOf('*') > 0)
        {
            throw new IngressException(BadWildcard);
        }
        var isCatchAll = hostname is "" or "*" && path.Length == 0;
        var isLast = index == total - 1;
        if (isLast && !isCatchAll)
        {
            throw new IngressException(LastRuleNotCatchAll);
        }
        if (!isLast && isCatchAll)
        {
            throw new IngressException($"Rule #{index + 1} is matching the hostname '{hostname}', but this will match every hostname, meaning the rules which follow it will never be triggered.");
        }
    }

    // Go's url.Parse puts everything between the authority and '?' or '#' in Path, even a lone "/".
    private static bool HasPath(string service)
    {
        var afterScheme = service[(service.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var end = afterScheme.IndexOfAny(['/', '?', '#']);
        return end >= 0 && afterScheme[end] == '/';
    }

    // Go's net.SplitHostPort succeeds for "host:port" and "[v6]:port", whatever the port text.
    private static bool HasPort(string hostname) =>
        hostname.StartsWith('[') ? hostname.Contains("]:", StringComparison.Ordinal) : hostname.Count(c => c == ':') == 1;

    private static Regex? ParsePath(string path, int index)
    {
        if (path.Length == 0)
        {
            return null;
        }
        try
        {
            return new Regex(path, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new IngressException($"Rule #{index + 1} has an invalid regex: {e.Message}");
        }
    }

    private static string ReadString(JsonObject rule, string key) => rule[key] switch
    {
        null => "",
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => throw new IngressException($"{key} must be a string"),
    };

    private static JsonObject? ReadObject(JsonObject owner, string key) => owner[key] switch
    {
        null => null,
        JsonObject value => value,
        _ => throw new IngressException($"{key} must be an object"),
    };

    private sealed class IngressException(string message) : JsonException(message);
}
