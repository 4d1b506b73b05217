namespace Cmux.Conformance.Checks;

/// <summary>
/// One check of the suite, named as in Gateway API conformance: a short name, what it proves,
/// and the provider capabilities it needs. A provider without one of them reports the check as
/// skipped, naming the missing capability.
/// </summary>
public sealed record ConformanceCheck(string Name, string Feature, string Description, params string[] Needs);
