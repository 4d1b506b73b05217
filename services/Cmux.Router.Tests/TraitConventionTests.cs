namespace Cmux.Router.Tests;

public sealed class TraitConventionTests : TraitConvention;
