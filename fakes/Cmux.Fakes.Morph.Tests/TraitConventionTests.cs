namespace Cmux.Fakes.Morph.Tests;

public sealed class TraitConventionTests : TraitConvention;
