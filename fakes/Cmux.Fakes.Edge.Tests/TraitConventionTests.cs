namespace Cmux.Fakes.Edge.Tests;

public sealed class TraitConventionTests : TraitConvention;
