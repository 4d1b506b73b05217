namespace Cmux.Conformance.Tests;

public sealed class TraitConventionTests : TraitConvention;
