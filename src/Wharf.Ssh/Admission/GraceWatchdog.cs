namespace Wharf.Ssh.Admission;

/// <summary>
/// Ends connections that stay too long in a stage before authentication: the version line, the key
/// exchange, the login. One timer for the whole server, so a squatter costs no timer of its own, and
/// the allowances shrink as slots fill (<see cref="AdmissionPolicy.Allowance"/>).
/// </summary>
internal sealed class GraceWatchdog : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);
    private readonly Func<IEnumerable<SshSession>> _sessions;
    private readonly Func<SshSession, double> _pressure;
    private readonly SshServerOptions _options;
    private readonly Timer _timer;
    private int _running;

    public GraceWatchdog(SshServerOptions options, Func<IEnumerable<SshSession>> sessions, Func<SshSession, double> pressure)
    {
        _options = options;
        _sessions = sessions;
        _pressure = pressure;
        _timer = new Timer(_ => Check(), null, Period, Period);
    }

    /// <summary>Connections ended by a stage's time limit since start.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    private long _expired;

    private void Check()
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        try
        {
            long now = Environment.TickCount64;
            foreach (var s in _sessions())
            {
                if (s.IsAuthenticated || s.IsEvicted)
                {
                    continue;
                }

                if (Overdue(s, now) is { } what)
                {
                    Interlocked.Increment(ref _expired);
                    s.EndForGrace(what);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>The stage <paramref name="s"/> has overstayed, or null.</summary>
    private string? Overdue(SshSession s, long now)
    {
        double pressure = _pressure(s);
        var o = _options;
        var stage = s.Stage;
        if (stage == SshSessionStage.AwaitingVersion)
        {
            var allowed = AdmissionPolicy.Allowance(o.VersionExchangeTimeout, o.MinVersionExchangeTimeout, pressure);
            return now - s.StartTicks > allowed.TotalMilliseconds ? "version exchange timed out" : null;
        }

        if (stage is SshSessionStage.AwaitingKexInit or SshSessionStage.KeyExchange)
        {
            var allowed = AdmissionPolicy.Allowance(o.KeyExchangeTimeout, o.MinKeyExchangeTimeout, pressure);
            return now - s.VersionReceivedTicks > allowed.TotalMilliseconds ? "key exchange timed out" : null;
        }

        // The login allowance counts from connect, as LoginGraceTime always has; the session's own
        // timer enforces the full time, this one the shrunk time under pressure.
        var login = AdmissionPolicy.Allowance(o.LoginGraceTime, o.MinLoginGraceTime, pressure);
        return now - s.StartTicks > login.TotalMilliseconds ? "login grace time exceeded" : null;
    }

    public void Dispose() => _timer.Dispose();
}
