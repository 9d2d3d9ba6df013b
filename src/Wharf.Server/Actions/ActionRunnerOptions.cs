namespace Wharf.Server.Actions;

/// <summary>Limits of the action queue and its workers.</summary>
public sealed class ActionRunnerOptions
{
    /// <summary>Events waiting to run; when full, new events are dropped (and the drop logged) rather than slow down a transfer.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Actions running at once.</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>How long disposal lets queued and running actions finish before it kills and abandons them.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
