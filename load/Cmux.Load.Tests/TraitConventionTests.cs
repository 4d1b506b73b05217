namespace Cmux.Load.Tests;

public sealed class TraitConventionTests : TraitConvention;
