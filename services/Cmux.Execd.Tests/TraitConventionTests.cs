namespace Cmux.Execd.Tests;

public sealed class TraitConventionTests : TraitConvention;
