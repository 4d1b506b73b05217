namespace Cmux.Conformance.Providers;

/// <summary>The providers the suite compares, in report order.</summary>
public static class ProviderNames
{
    public const string Pve = "pve";
    public const string Morph = "morph";

    public static readonly IReadOnlyList<string> All = [Pve, Morph];
}
