namespace Cmux.Provisioning.Tests;

public sealed class TraitConventionTests : TraitConvention;
