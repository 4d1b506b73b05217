namespace Cmux.AppHost.Tests;

public sealed class TraitConventionTests : TraitConvention;
