using System.Text.Json;
using Cmux.Fakes.Pve.Api;
using Cmux.Fakes.Pve.Schema;

namespace Cmux.Fakes.Pve.Auth;

/// <summary>
/// Evaluates a method's <c>permissions</c> from the schema: <c>user: world</c> (no login),
/// <c>user: all</c> (any login), or a <c>check</c> expression of <c>perm</c>, <c>and</c> and
/// <c>or</c>, with <c>{param}</c> placeholders in ACL paths. Privileges are granted on <c>/</c>,
/// so they hold on every path.
/// </summary>
public static class PermissionCheck
{
    public static bool IsPublic(ApiMethod method) => method.Permissions?.Text("user") == "world";

    /// <summary>Throws PVE's 403 when <paramref name="principal"/> lacks a privilege the check needs.</summary>
    public static void Demand(ApiMethod method, Principal principal, IReadOnlyDictionary<string, string> parameters)
    {
        if (method.Permissions?.Child("check") is { } check && Evaluate(check, principal, parameters) is { } denied)
        {
            throw denied;
        }
    }

    /// <summary>Null when allowed, else the 403 to answer.</summary>
    private static PveException? Evaluate(JsonElement check, Principal principal, IReadOnlyDictionary<string, string> parameters)
    {
        var items = check.EnumerateArray().ToList();
        switch (items[0].GetString())
        {
            case "and":
                return items.Skip(1).Select(c => Evaluate(c, principal, parameters)).FirstOrDefault(e => e is not null);
            case "or":
                var denials = items.Skip(1).Select(c => Evaluate(c, principal, parameters)).ToList();
                return denials.Any(d => d is null) ? null : denials[0];
            case "perm":
                return EvaluatePerm(items, principal, parameters);
            default:
                // A check kind the endpoints served here do not use: deny rather than allow by accident.
                return PveException.Forbidden("/", items[0].GetString() ?? "?");
        }
    }

    private static PveException? EvaluatePerm(List<JsonElement> items, Principal principal, IReadOnlyDictionary<string, string> parameters)
    {
        var options = items.Skip(3).Select(i => i.ToString()).ToList();
        var requiredParam = options.IndexOf("require_param") is var r and >= 0 ? options[r + 1] : null;
        var path = Substitute(items[1].GetString()!, parameters);
        var privileges = items[2].EnumerateArray().Select(p => p.GetString()!).ToList();
        if (requiredParam is not null && !parameters.ContainsKey(requiredParam))
        {
            return PveException.Forbidden(path, string.Join("|", privileges));
        }
        if (options.Contains("any"))
        {
            return privileges.Any(principal.Has) ? null : PveException.Forbidden(path, string.Join("|", privileges));
        }
        var missing = privileges.FirstOrDefault(p => !principal.Has(p));
        return missing is null ? null : PveException.Forbidden(path, missing);
    }

    private static string Substitute(string path, IReadOnlyDictionary<string, string> parameters) =>
        parameters.Aggregate(path, (p, kv) => p.Replace($"{{{kv.Key}}}", kv.Value, StringComparison.Ordinal));
}
