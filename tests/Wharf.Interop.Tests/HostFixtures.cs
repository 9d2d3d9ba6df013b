namespace Wharf.Interop.Tests;

/// <summary>A test host with every algorithm enabled, one per test class.</summary>
public sealed class FullHostFixture : IAsyncLifetime
{
    public TestHost Host { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Host = TestHost.CreateFull(TestKeys.Instance);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
