namespace Cmux.Cloudflare.Tests;

public sealed class TraitConventionTests : TraitConvention;
