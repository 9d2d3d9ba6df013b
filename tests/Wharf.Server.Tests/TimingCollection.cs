namespace Wharf.Server.Tests;

/// <summary>
/// The classes whose tests compare timings (password checks that must cost the same) run in this
/// collection, alone and after the parallel ones: the load of other tests in the same process — each
/// argon2 hash is 19 MiB and a core — once pushed a ratio from about 1.0 to 1.9.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    /// <summary>The collection's name, for <see cref="CollectionAttribute"/>.</summary>
    public const string Name = "timing";
}
