namespace Cmux.Fakes.Sandbox.Tests;

public sealed class TraitConventionTests : TraitConvention;
