namespace Wharf.Server.Defense;

/// <summary>One row of defender_hosts with its score over a window. Times are Unix milliseconds; <see cref="BanUntilMs"/> 0 means never banned.</summary>
public sealed record DefenderHostRow(string Ip, int Score, long BanUntilMs, int Offences);

/// <summary>
/// The defender's tables (defender_hosts, defender_events, modelled on SFTPGo's) in a data
/// provider's database, for <see cref="ProviderHostDefender"/>. Implemented by the SQL providers.
/// </summary>
public interface IDefenderStore
{
    /// <summary>Adds an event for <paramref name="ip"/> (creating its host) and returns the host with its score since <paramref name="windowStartMs"/>.</summary>
    Task<DefenderHostRow> AddDefenderEventAsync(string ip, int score, long nowMs, long windowStartMs, CancellationToken cancellationToken = default);

    /// <summary>
    /// Bans <paramref name="ip"/> until <paramref name="untilMs"/> with <paramref name="offences"/>,
    /// clearing its events — only if it is not banned at <paramref name="nowMs"/> and still has
    /// <paramref name="previousOffences"/> (another node did not ban it first). True when this call banned it.
    /// </summary>
    Task<bool> BanDefenderHostAsync(string ip, long untilMs, int offences, int previousOffences, long nowMs, CancellationToken cancellationToken = default);

    /// <summary>Pushes an active ban's end out by <paramref name="byMs"/>, never past <paramref name="capMs"/>.</summary>
    Task ExtendDefenderBanAsync(string ip, long byMs, long capMs, long nowMs, CancellationToken cancellationToken = default);

    /// <summary>Hosts banned at <paramref name="nowMs"/> or with events since <paramref name="windowStartMs"/>, most recently active first.</summary>
    Task<IReadOnlyList<DefenderHostRow>> ListDefenderHostsAsync(long nowMs, long windowStartMs, int limit, CancellationToken cancellationToken = default);

    /// <summary>One host, if banned or scored.</summary>
    Task<DefenderHostRow?> GetDefenderHostAsync(string ip, long nowMs, long windowStartMs, CancellationToken cancellationToken = default);

    /// <summary>Every host banned at <paramref name="nowMs"/> (the table every node mirrors).</summary>
    Task<IReadOnlyList<DefenderHostRow>> ListDefenderBansAsync(long nowMs, CancellationToken cancellationToken = default);

    /// <summary>Deletes a host and its events; false when there was none.</summary>
    Task<bool> DeleteDefenderHostAsync(string ip, CancellationToken cancellationToken = default);

    /// <summary>Deletes events before <paramref name="eventsBeforeMs"/>, and hosts whose ban ended before <paramref name="bansEndedBeforeMs"/> with no events left.</summary>
    Task CleanupDefenderAsync(long eventsBeforeMs, long bansEndedBeforeMs, CancellationToken cancellationToken = default);
}
