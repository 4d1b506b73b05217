namespace Cmux.Load.Tests;

/// <summary>Load tests measure rates and latencies: they run one at a time, not beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadCollection
{
    public const string Name = "load";
}
