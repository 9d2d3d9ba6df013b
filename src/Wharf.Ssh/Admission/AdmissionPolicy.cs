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
    /// How long a connection keeps its slot once the server has computed the key exchange for it:
    /// the peer has made the server do the costly part (and done its own), and owes only its
    /// NEWKEYS and first request, a round trip or two. Longer, and it is idle like any other.
    /// </summary>
    public static readonly TimeSpan AnswerAllowance = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether a connection may give way to a newcomer: only before its first authentication
    /// request (a person may be typing a password; the login grace bounds that), and not within
    /// <see cref="AnswerAllowance"/> of the server computing its key exchange
    /// (<paramref name="keysComputedTicks"/>, 0 if not yet). Before that point the key exchange
    /// is no protection: a squatter that stops after its KEXINIT has cost nothing and must not
    /// hold a slot for the key exchange's whole time limit.
    /// </summary>
    public static bool MayGiveWay(SshSessionStage stage, long keysComputedTicks, long nowTicks) =>
        stage < SshSessionStage.Authenticating &&
        (keysComputedTicks == 0 || nowTicks - keysComputedTicks >= AnswerAllowance.TotalMilliseconds);

    /// <summary>
    /// The idle session (of <paramref name="address"/>, or of any address when null) that has made
    /// the least progress for its age, or null when none may be evicted. Progress is the bytes the
    /// peer has sent — read, or still waiting to be read — per second of the connection's life,
    /// counting one byte more so that among connections that sent nothing the oldest goes first.
    /// Bytes rather than the stage the server has processed: under a flood the server reads a
    /// newcomer's version line late, and a client must not lose its slot for the server's delay.
    /// Per second rather than in total: a squatter that trickles a byte at a time has sent a few
    /// bytes over seconds; a client sends its version line and KEXINIT (over a kilobyte) in its
    /// first milliseconds, and even one that has sent nothing yet is ahead of it while young.
    /// </summary>
    public static SshSession? PickVictim(IEnumerable<SshSession> sessions, IPAddress? address) =>
        PickVictim(sessions, address, System.Diagnostics.Stopwatch.GetTimestamp());

    internal static SshSession? PickVictim(IEnumerable<SshSession> sessions, IPAddress? address, long nowTimestamp)
    {
        SshSession? best = null;
        double bestRate = double.MaxValue;
        long nowTicks = Environment.TickCount64;
        foreach (var s in sessions)
        {
            if (!s.CanBeEvicted || !MayGiveWay(s.Stage, s.KeysComputedTicks, nowTicks))
            {
                continue;
            }

            if (address is not null && !address.Equals(s.RemoteEndPoint.Address))
            {
                continue;
            }

            double ageMs = (nowTimestamp - s.StartTimestamp) * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
            double rate = ProgressRate(s.PeerBytes, ageMs);

            // Equal progress (connections that sent nothing, accepted within the same instant):
            // the one accepted first goes first, never whichever the dictionary yields first.
            if (rate < bestRate || (rate == bestRate && best is not null && s.Sequence < best.Sequence))
            {
                best = s;
                bestRate = rate;
            }
        }

        return best;
    }

    /// <summary>(bytes + 1) per second of age (at least a millisecond).</summary>
    public static double ProgressRate(long peerBytes, double ageMilliseconds) => (peerBytes + 1) * 1000.0 / Math.Max(1, ageMilliseconds);

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
