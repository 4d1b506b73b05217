using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Cmux.Execd.Tests.Exec;

/// <summary>
/// Every refusal, in both profiles, with the Go daemon's status and message: the seed profile
/// wraps the message in <c>{"error"}</c>, the cmux profile answers it as plain text.
/// </summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class BadInputTests
{
    public static TheoryData<ExecdProfile, string, string, string?, int, string> Cases()
    {
        var data = new TheoryData<ExecdProfile, string, string, string?, int, string>();
        var oversized = $$"""{"command": "{{new string('x', 1024 * 1024)}}"}""";
        (string Method, string Body, string? ContentType, int Status, string Message)[] cases =
        [
            ("GET", "", null, 405, "Method not allowed"),
            ("PUT", """{"command":"true"}""", "application/json", 405, "Method not allowed"),
            ("POST", """{"command":"true"}""", "text/plain", 415, "Content-Type must be application/json"),
            ("POST", """{"command":"true"}""", null, 415, "Content-Type must be application/json"),
            ("POST", oversized, "application/json", 413, "Request body too large (limit 1048576 bytes)"),
            ("POST", """{"command": "true" """, "application/json", 400, "Invalid JSON body: "),
            ("POST", "[1, 2]", "application/json", 400, "Invalid JSON body: expected a JSON object, got Array"),
            ("POST", """{"command": 5}""", "application/json", 400, "Invalid JSON body: command must be a string, got Number"),
            ("POST", """{"command": "true", "timeout_ms": "5"}""", "application/json", 400, "Invalid JSON body: timeout_ms must be a number, got String"),
            ("POST", """{"command": "true", "timeout_ms": 1.5}""", "application/json", 400, "Invalid JSON body: timeout_ms must be an integer"),
            ("POST", """{}""", "application/json", 400, "Command is required"),
            ("POST", """{"command": "   "}""", "application/json", 400, "Command is required"),
            ("POST", """{"command": "true", "timeout_ms": -1}""", "application/json", 400, "timeout_ms must be non-negative"),
            // bash would run "echo a": the NUL ends the C string execve passes on.
            ("POST", """{"command": "echo a\u0000; rm -rf x"}""", "application/json", 400, "Command must not contain a NUL byte"),
        ];
        foreach (var profile in Enum.GetValues<ExecdProfile>())
        {
            foreach (var c in cases)
            {
                data.Add(profile, c.Method, c.Body, c.ContentType, c.Status, c.Message);
            }
        }
        // Fields only the seed profile reads.
        data.Add(ExecdProfile.Seed, "POST", """{"command": "true", "env": ["A=1"]}""", "application/json", 400, "Invalid JSON body: env must be an object of strings, got Array");
        data.Add(ExecdProfile.Seed, "POST", """{"command": "true", "env": {"A": 1}}""", "application/json", 400, "Invalid JSON body: env.A must be a string, got Number");
        data.Add(ExecdProfile.Seed, "POST", """{"command": "true", "cwd": 7}""", "application/json", 400, "Invalid JSON body: cwd must be a string, got Number");
        data.Add(ExecdProfile.Seed, "POST", """{"command": "true", "env": {"A": "1\u0000"}}""", "application/json", 400, "Command must not contain a NUL byte");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Refuses_with_the_right_status_and_message(ExecdProfile profile, string method, string body, string? contentType, int status, string message)
    {
        await using var execd = await ExecdServer.StartAsync(profile);
        using var request = new HttpRequestMessage(new HttpMethod(method), "/exec");
        if (method != "GET")
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        using var response = await execd.Client.SendAsync(request);

        ((int)response.StatusCode).ShouldBe(status);
        var error = profile == ExecdProfile.Seed
            ? (await response.Content.ReadFromJsonAsync<ExecError>())!.Error
            : await response.Content.ReadAsStringAsync();
        error.ShouldStartWith(message);
    }

    [Fact]
    public async Task Unknown_fields_are_ignored()
    {
        await using var execd = await ExecdServer.StartAsync(ExecdProfile.Seed);

        using var response = await execd.Client.PostAsJsonAsync("/exec", new { command = "echo ok", color = "blue" });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private sealed record ExecError(string Error);
}
