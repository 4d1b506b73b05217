using System.Net;
using System.Net.Http.Json;

namespace Cmux.Execd.Tests.Profiles;

/// <summary>The Go daemon's token auth: files (first non-empty wins) or configuration, four ways to present it.</summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class CmuxAuthTests : IAsyncLifetime
{
    private const string Token = "s3cret-token";
    private ExecdServer _execd = null!;
    private string _tokenDir = null!;

    public async Task InitializeAsync()
    {
        _tokenDir = Directory.CreateTempSubdirectory("cmux-execd-token-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_tokenDir, "first"), "  \n");
        await File.WriteAllTextAsync(Path.Combine(_tokenDir, "second"), Token + "\n");
        _execd = await ExecdServer.StartAsync(ExecdProfile.Cmux,
            $"TokenFiles:0={Path.Combine(_tokenDir, "missing")}",
            $"TokenFiles:1={Path.Combine(_tokenDir, "first")}",
            $"TokenFiles:2={Path.Combine(_tokenDir, "second")}");
    }

    public async Task DisposeAsync()
    {
        await _execd.DisposeAsync();
        Directory.Delete(_tokenDir, recursive: true);
    }

    public static TheoryData<string, string?, string?, string?> Presentations => new()
    {
        { "bearer", $"Bearer {Token}", null, null },
        { "bare header", Token, null, null },
        { "query", null, $"?token={Token}", null },
        { "cookie", null, null, $"_cmux_auth={Token}" },
    };

    [Theory]
    [MemberData(nameof(Presentations))]
    public async Task Accepts_the_token_from_the_first_non_empty_file(string form, string? authorization, string? query, string? cookie)
    {
        using var response = await SendAsync(HttpMethod.Post, authorization, query, cookie);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, form);
        (await CmuxProfileTests.ReadEventsAsync(response))[^1].Code.ShouldBe(0);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong")]
    [InlineData("wrong")]
    public async Task Refuses_a_missing_or_wrong_token_with_401_json(string? authorization)
    {
        using var response = await SendAsync(HttpMethod.Post, authorization, null, null);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        (await response.Content.ReadAsStringAsync()).ShouldBe("""{"error":"Unauthorized"}""");
    }

    [Fact]
    public async Task Checks_the_token_before_the_method()
    {
        using var response = await SendAsync(HttpMethod.Get, null, null, null);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Guards_files_too_but_not_healthz()
    {
        using var files = await _execd.Client.PostAsync("/files", new ByteArrayContent([]));
        using var health = await _execd.Client.GetAsync("/healthz");

        files.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Reads_a_rotated_token_at_once()
    {
        await File.WriteAllTextAsync(Path.Combine(_tokenDir, "second"), "rotated");

        using var old = await SendAsync(HttpMethod.Post, $"Bearer {Token}", null, null);
        using var rotated = await SendAsync(HttpMethod.Post, "Bearer rotated", null, null);

        old.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        rotated.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_configured_token_wins_over_the_files()
    {
        await using var execd = await ExecdServer.StartAsync(ExecdProfile.Cmux, "AuthToken=from-env", $"TokenFiles:0={Path.Combine(_tokenDir, "second")}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/exec") { Content = JsonContent.Create(new { command = "true" }) };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer from-env");

        using var response = await execd.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string? authorization, string? query, string? cookie)
    {
        var request = new HttpRequestMessage(method, "/exec" + query)
        {
            Content = method == HttpMethod.Post ? JsonContent.Create(new { command = "true" }) : null,
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }
        return await _execd.Client.SendAsync(request);
    }
}
