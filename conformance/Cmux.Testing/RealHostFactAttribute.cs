namespace Cmux.Testing;

/// <summary>
/// A fact that runs only when a real PVE host is configured (<c>CMUX_PVE_URL</c>), and is
/// reported as skipped, with that reason, when it is not: never as passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RealHostFactAttribute : FactAttribute
{
    public const string Variable = "CMUX_PVE_URL";

    public RealHostFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"no real host configured: set {Variable} (and its credentials) to run realhost checks";
        }
    }
}
