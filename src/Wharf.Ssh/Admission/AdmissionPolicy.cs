using System.Net;

namespace Wharf.Ssh.Admission;

/// <summary>
/// Which connection gives way when the pre-authentication slots are full, and how long each stage
/// may take under pressure (docs/availability.md). Pure functions over the sessions' stages, so the
/// choices can be tested without sockets.
/// </summary>
internal static class AdmissionPolicy
{
    /// <summary>Above this share of the slots in use, grace times shrink.</summary>
    public const double PressureThreshold = 0.5;

    /// <summary>
    /// The eviction rank of <paramref name="stage"/>: lower gives way first; null for a stage that
    /// is never evicted for a newcomer (the peer is exchanging keys, authenticating, or done).
    /// </summary>
    public static int? EvictionRank(SshSessionStage stage) => stage switch
    {
        SshSessionStage.AwaitingVersion => 0,
        SshSessionStage.AwaitingKexInit => 1,
        SshSessionStage.AwaitingAuthentication => 2,
        _ => null,
    };

    /// <summary>
    /// The idle session (of <paramref name="address"/>, or of any address when null) that has made
    /// the least progress and, among those, entered its stage first; null when none may be evicted.
    /// </summary>
    public static SshSession? PickVictim(IEnumerable<SshSession> sessions, IPAddress? address)
    {
        SshSession? best = null;
        int bestRank = int.MaxValue;
        long bestTicks = long.MaxValue;
        foreach (var s in sessions)
        {
            if (s.IsEvicted || EvictionRank(s.Stage) is not { } rank)
            {
                continue;
            }

            if (address is not null && !address.Equals(s.RemoteEndPoint.Address))
            {
                continue;
            }

            long ticks = s.StageEnteredTicks;
            if (rank < bestRank || (rank == bestRank && ticks < bestTicks))
            {
                best = s;
                bestRank = rank;
                bestTicks = ticks;
            }
        }

        return best;
    }

    /// <summary>
    /// A stage's allowance at <paramref name="pressure"/> (slots in use / slots): the full time up to
    /// <see cref="PressureThreshold"/>, then shrinking linearly to <paramref name="floor"/> when full.
    /// </summary>
    public static TimeSpan Allowance(TimeSpan full, TimeSpan floor, double pressure)
    {
        if (floor >= full || pressure <= PressureThreshold)
        {
            return full;
        }

        double left = Math.Clamp((1 - pressure) / (1 - PressureThreshold), 0, 1);
        return floor + ((full - floor) * left);
    }

    /// <summary>Share of a limit in use; 0 when the limit is off.</summary>
    public static double Share(int used, int limit) => limit > 0 ? (double)used / limit : 0;
}
