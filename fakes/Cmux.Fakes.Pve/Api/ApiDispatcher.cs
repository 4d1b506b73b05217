using System.Text.Json;
using Cmux.Fakes.Pve.Auth;
using Cmux.Fakes.Pve.Faults;
using Cmux.Fakes.Pve.Schema;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Pve.Api;

/// <summary>
/// Serves <c>/api2/json</c> in PVE's order: match the path in the schema (501 when it has no such
/// method), authenticate (401, empty body, after a delay), check the schema's permissions (403),
/// validate the parameters against the schema (400), then run the handler.
/// </summary>
public sealed class ApiDispatcher
{
    public const string Prefix = "/api2/json";

    private readonly PveSchema _schema;
    private readonly PveAuthenticator _auth;
    private readonly FaultInjector _faults;
    private readonly IOptions<PveFakeOptions> _options;
    private readonly Dictionary<string, Func<ApiRequest, Task<ApiResult>>> _handlers = new(StringComparer.Ordinal);

    public ApiDispatcher(PveSchema schema, PveAuthenticator auth, FaultInjector faults, IOptions<PveFakeOptions> options, IEnumerable<IApiEndpoints> endpoints)
    {
        (_schema, _auth, _faults, _options) = (schema, auth, faults, options);
        foreach (var group in endpoints)
        {
            group.Register(_handlers);
        }
    }

    /// <summary>The schema keys that have a handler: what the fake implements.</summary>
    public IReadOnlyCollection<string> Implemented => _handlers.Keys;

    /// <summary>
    /// Runs a method as <c>root@pam</c> without HTTP, for the admin endpoints: the same schema
    /// validation and handler as a request, so the admin shortcut cannot do what the API would refuse.
    /// </summary>
    public Task<ApiResult> InvokeAsync(string verb, string path, IReadOnlyDictionary<string, string> parameters)
    {
        var match = _schema.Match(verb, path) ?? throw PveException.NotImplemented(verb, path);
        var values = new Dictionary<string, string>(parameters, StringComparer.Ordinal);
        foreach (var (name, value) in match.PathValues)
        {
            values[name] = value;
        }
        var errors = SchemaValidator.ValidateParameters(match.Method.Parameters, values, out var typed);
        return errors.Count > 0 ? throw PveException.Parameters(errors) : _handlers[match.Method.Key](new ApiRequest(null, typed));
    }

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await _faults.BeforeRequestAsync(context.RequestAborted);
            var path = context.Request.Path.Value![Prefix.Length..];
            var verb = context.Request.Method;
            if (_schema.Match(verb, path) is not { } match || !_handlers.TryGetValue(match.Method.Key, out var handler))
            {
                throw PveException.NotImplemented(verb, path.Length == 0 ? "/" : path);
            }
            var raw = await ReadParametersAsync(context.Request, match);
            Principal? principal = null;
            if (!PermissionCheck.IsPublic(match.Method))
            {
                principal = _auth.Authenticate(context.Request, out var failure) ?? throw PveException.Unauthorized(failure);
                PermissionCheck.Demand(match.Method, principal, raw);
            }
            var errors = SchemaValidator.ValidateParameters(match.Method.Parameters, raw, out var parameters);
            if (errors.Count > 0)
            {
                throw PveException.Parameters(errors);
            }
            var result = await handler(new ApiRequest(principal, parameters));
            await PveResponse.WriteDataAsync(context, result.Data, result.Extra);
        }
        catch (PveException e) when (e.Status == StatusCodes.Status401Unauthorized)
        {
            // PVE slows down credential guessing: every authentication failure waits before answering.
            await Task.Delay(_options.Value.Auth.FailureDelay, context.RequestAborted);
            PveResponse.WriteUnauthorized(context, e.Message);
        }
        catch (PveException e)
        {
            await PveResponse.WriteErrorAsync(context, e);
        }
    }

    /// <summary>
    /// Path values, the query string, and the body (form-encoded or JSON), as PVE merges them.
    /// JSON booleans become 1/0 and numbers their text, so both body kinds validate alike.
    /// </summary>
    private static async Task<Dictionary<string, string>> ReadParametersAsync(HttpRequest request, ApiMatch match)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Query)
        {
            values[name] = value.ToString();
        }
        if (request.HasFormContentType)
        {
            foreach (var (name, value) in await request.ReadFormAsync(request.HttpContext.RequestAborted))
            {
                values[name] = value.ToString();
            }
        }
        else if (request.HasJsonContentType() && request.ContentLength != 0)
        {
            foreach (var (name, value) in await ReadJsonAsync(request))
            {
                values[name] = value;
            }
        }
        foreach (var (name, value) in match.PathValues)
        {
            values[name] = value;
        }
        return values;
    }

    private static async Task<Dictionary<string, string>> ReadJsonAsync(HttpRequest request)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            throw new PveException(400, $"malformed JSON body: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new PveException(400, "malformed JSON body: expected an object");
            }
            return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
            {
                JsonValueKind.True => "1",
                JsonValueKind.False => "0",
                JsonValueKind.String => p.Value.GetString()!,
                _ => p.Value.GetRawText(),
            }, StringComparer.Ordinal);
        }
    }
}
