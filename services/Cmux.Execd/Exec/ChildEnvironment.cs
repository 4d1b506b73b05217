using System.Collections;

namespace Cmux.Execd.Exec;

/// <summary>
/// The environment a command inherits: execd's own, minus what configures execd itself. Its
/// settings (<c>Execd__*</c>, the token among them), the ASP.NET Core and .NET host settings, and
/// the telemetry exporter's (<c>OTEL_*</c>: its headers carry the collector's API key) belong to the
/// daemon, and a command that prints <c>env</c> must not learn them.
/// </summary>
public static class ChildEnvironment
{
    private static readonly string[] DaemonPrefixes = ["Execd__", "Execd:", "ASPNETCORE_", "DOTNET_", "Kestrel__", "Logging__", "OTEL_"];

    public static bool IsDaemonSetting(string name) =>
        DaemonPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>execd's environment without its own settings, read once: it does not change while execd runs.</summary>
    public static IReadOnlyDictionary<string, string> Inherited { get; } = Read();

    private static Dictionary<string, string> Read()
    {
        var inherited = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            var name = (string)variable.Key;
            if (!IsDaemonSetting(name))
            {
                inherited[name] = (string?)variable.Value ?? "";
            }
        }
        return inherited;
    }
}
