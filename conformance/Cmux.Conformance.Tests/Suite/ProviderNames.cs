namespace Cmux.Conformance.Tests.Suite;

/// <summary>The providers the suite compares.</summary>
public static class ProviderNames
{
    public const string Pve = "pve";
    public const string Morph = "morph";
}
