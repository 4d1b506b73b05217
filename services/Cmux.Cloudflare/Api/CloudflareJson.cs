using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cmux.Cloudflare.Api;

/// <summary>The API's JSON conventions: snake_case names; absent rather than null optional fields.</summary>
public static class CloudflareJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
