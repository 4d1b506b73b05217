using System.Net;
using System.Net.Http.Json;

namespace Cmux.Execd.Tests.Profiles;

/// <summary>
/// Auth fails closed: a token file that exists but yields no token, or a blank configured token,
/// refuses every request with 401, never turns auth off. Only token files that do not exist mean no auth.
/// </summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class TokenFailClosedTests
{
    public static TheoryData<string> Unusable => ["empty", "whitespace", "directory", "unreadable", "dangling symlink"];

    [Theory]
    [MemberData(nameof(Unusable))]
    public async Task An_unusable_token_file_refuses_every_request(string kind)
    {
        var dir = Directory.CreateTempSubdirectory("cmux-execd-token-").FullName;
        try
        {
            var path = Path.Combine(dir, "token");
            switch (kind)
            {
                case "empty": await File.WriteAllTextAsync(path, ""); break;
                case "whitespace": await File.WriteAllTextAsync(path, " \n\t \n"); break;
                case "directory": Directory.CreateDirectory(path); break;
                // Even root cannot read it: reading a process's memory at address 0 fails with EIO.
                case "unreadable": File.CreateSymbolicLink(path, "/proc/self/mem"); break;
                case "dangling symlink": File.CreateSymbolicLink(path, Path.Combine(dir, "nowhere")); break;
            }
            await using var execd = await ExecdServer.StartAsync(ExecdProfile.Cmux, $"TokenFiles:0={Path.Combine(dir, "missing")}", $"TokenFiles:1={path}");

            using var bare = await ExecAsync(execd, null);
            using var guessed = await ExecAsync(execd, "Bearer ");
            using var files = await execd.Client.PostAsync("/files", new ByteArrayContent([]));

            bare.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            guessed.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            files.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_blank_configured_token_refuses_every_request()
    {
        await using var execd = await ExecdServer.StartAsync(ExecdProfile.Cmux, "AuthToken=   ");

        using var response = await ExecAsync(execd, null);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_files_that_do_not_exist_mean_no_auth()
    {
        await using var execd = await ExecdServer.StartAsync(ExecdProfile.Cmux);

        using var response = await ExecAsync(execd, null);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static Task<HttpResponseMessage> ExecAsync(ExecdServer execd, string? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/exec") { Content = JsonContent.Create(new { command = "true" }) };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        return execd.Client.SendAsync(request);
    }
}
