namespace Cmux.Fakes.RunPki.Tests;

public sealed class TraitConventionTests : TraitConvention;
