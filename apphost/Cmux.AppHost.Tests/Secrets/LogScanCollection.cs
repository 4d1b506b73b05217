namespace Cmux.AppHost.Tests.Secrets;

/// <summary>
/// The log scan stops every resource to flush its log, so it gets a stack of its own: a second
/// collection gets its own <see cref="AppHostStack"/>, and (both running alone) never beside the first.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LogScanCollection : ICollectionFixture<AppHostStack>
{
    public const string Name = "log-scan";
}
