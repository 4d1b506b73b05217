namespace Cmux.Fakes.Pve.Tests;

public sealed class TraitConventionTests : TraitConvention;
