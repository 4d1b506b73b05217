using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Cmux.Fakes.Edge.Access;

/// <summary>
/// The Access JWT (RS256) the edge sets as the <c>CF_Authorization</c> cookie and passes to origins
/// as <c>Cf-Access-Jwt-Assertion</c>. The key lives as long as the process; its public half is
/// served at <c>/cdn-cgi/access/certs</c> so origins can verify, as with Cloudflare.
/// </summary>
public sealed class AccessTokens : IDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly string _keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private readonly string _issuer;
    private readonly TimeProvider _time;

    public AccessTokens(Microsoft.Extensions.Options.IOptions<EdgeOptions> options, TimeProvider time)
    {
        _issuer = $"https://{options.Value.AccessTeamName}.cloudflareaccess.com";
        _time = time;
    }

    /// <summary>A token for one application (<paramref name="aud"/>) on behalf of a service token.</summary>
    public string Issue(string aud, string clientId, string serviceTokenId, TimeSpan lifetime)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = _keyId, ["typ"] = "JWT" };
        var payload = new JsonObject
        {
            ["aud"] = new JsonArray(aud),
            ["exp"] = now + (long)lifetime.TotalSeconds,
            ["iat"] = now,
            ["nbf"] = now,
            ["iss"] = _issuer,
            ["type"] = "app",
            ["common_name"] = clientId,
            ["service_token_id"] = serviceTokenId,
            ["sub"] = "",
        };
        var signingInput = $"{Encode(header)}.{Encode(payload)}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Base64Url(signature)}";
    }

    /// <summary>The claims of a token this edge signed for <paramref name="aud"/> that has not expired; else null.</summary>
    public JsonObject? Validate(string token, string aud)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || FromBase64Url(parts[2]) is not { } signature
            || !_key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            || FromBase64Url(parts[1]) is not { } payloadBytes
            || JsonNode.Parse(payloadBytes) is not JsonObject claims)
        {
            return null;
        }
        var audiences = claims["aud"]?.AsArray().Select(a => a?.GetValue<string>());
        var expires = claims["exp"]?.GetValue<long>() ?? 0;
        return audiences?.Contains(aud) == true && expires > _time.GetUtcNow().ToUnixTimeSeconds() ? claims : null;
    }

    /// <summary>The JWKS document of the signing key.</summary>
    public JsonObject Certificates()
    {
        var parameters = _key.ExportParameters(false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kid"] = _keyId,
                ["kty"] = "RSA",
                ["alg"] = "RS256",
                ["use"] = "sig",
                ["n"] = Base64Url(parameters.Modulus!),
                ["e"] = Base64Url(parameters.Exponent!),
            }),
        };
    }

    public void Dispose() => _key.Dispose();

    private static string Encode(JsonObject json) => Base64Url(Encoding.UTF8.GetBytes(json.ToJsonString()));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        var buffer = new byte[padded.Length];
        return Convert.TryFromBase64String(padded, buffer, out var written) ? buffer[..written] : null;
    }
}
