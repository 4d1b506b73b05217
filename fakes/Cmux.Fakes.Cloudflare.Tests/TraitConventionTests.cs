namespace Cmux.Fakes.Cloudflare.Tests;

public sealed class TraitConventionTests : TraitConvention;
