using System.Reflection;
using System.Text;
using Wharf.Server.Events;

namespace Wharf.Server.Metrics;

/// <summary>
/// The Prometheus metrics of <c>wharf serve</c>: transfers, SSH commands and logins counted
/// from <see cref="ServerEvents"/>, HTTP responses counted by the HTTP middleware, and the
/// connection, data provider, process and runtime figures read when the page is scraped.
/// Counting is lock-free (<see cref="Interlocked"/>) and allocates nothing, so it is safe on
/// the transfer path; rendering happens only at scrape time.
/// </summary>
public sealed class WharfMetrics : IDisposable
{
    /// <summary>The Content-Type of the page (text exposition format 0.0.4).</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly (string Version, string? Revision) Build = ReadBuild();

    private readonly ServerEvents _events;
    private readonly Func<int> _activeConnections;
    private readonly Func<CancellationToken, Task<bool>> _dataProviderAvailable;
    private readonly TransferCounters _uploads = new();
    private readonly TransferCounters _downloads = new();
    private readonly LoginCounters _logins = new();
    private readonly StatusCodeCounters _http = new();
    private long _sshCommands;
    private long _sshCommandErrors;

    /// <summary>Subscribes to <paramref name="events"/>; <see cref="Dispose"/> unsubscribes.</summary>
    /// <param name="events">The service's events (transfers, SSH commands, logins).</param>
    /// <param name="activeConnections">The number of open SSH connections, read at scrape time.</param>
    /// <param name="dataProviderAvailable">Asks the data provider whether it answers; called at scrape time with a token that is cancelled after <see cref="DataProviderTimeout"/>.</param>
    public WharfMetrics(ServerEvents events, Func<int> activeConnections, Func<CancellationToken, Task<bool>> dataProviderAvailable)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(activeConnections);
        ArgumentNullException.ThrowIfNull(dataProviderAvailable);
        _events = events;
        _activeConnections = activeConnections;
        _dataProviderAvailable = dataProviderAvailable;
        events.FileAction += OnFileAction;
        events.Login += OnLogin;
    }

    /// <summary>
    /// How long a scrape waits for the data provider before reporting it unavailable; a
    /// database that hangs must not hang the scrape (Prometheus' default timeout is 10 s).
    /// </summary>
    public TimeSpan DataProviderTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The defender whose bans, banned hosts and dropped connections are shown; null: none shown.</summary>
    public Defense.HostDefender? Defender { get; init; }

    /// <summary>The SSH rate limiters whose refusals are shown (always shown, 0 without limiters).</summary>
    public Defense.RateLimiters? RateLimiters { get; init; }

    /// <summary>Counts one HTTP response; the HTTP middleware calls it once per request.</summary>
    public void RecordHttpRequest(int statusCode) => _http.Record(statusCode);

    /// <summary>Renders the whole page.</summary>
    public async Task<string> RenderAsync(CancellationToken cancellationToken)
    {
        // Asked first, before anything is written, so the other figures are as fresh as possible.
        bool providerUp = await DataProviderAvailableAsync(cancellationToken).ConfigureAwait(false);
        var page = new ExpositionWriter();

        page.Family("wharf_build_info", MetricType.Gauge, "Always 1; the labels carry the Wharf version and the .NET runtime version.");
        if (Build.Revision is { } revision)
        {
            page.Sample(1, ("version", Build.Version), ("revision", revision), ("dotnet_version", Environment.Version.ToString()));
        }
        else
        {
            page.Sample(1, ("version", Build.Version), ("dotnet_version", Environment.Version.ToString()));
        }

        if (ActiveConnections() is { } active)
        {
            page.Single("wharf_active_connections", MetricType.Gauge, "Open SSH connections (SFTP, SCP and SSH commands).", active);
        }

        page.Single("wharf_dataprovider_availability", MetricType.Gauge, "1 when the data provider answered a check during this scrape, 0 when it failed or did not answer in time.", providerUp ? 1 : 0);

        _uploads.WriteTo(page, "upload", "uploads");
        _downloads.WriteTo(page, "download", "downloads");
        page.Single("wharf_ssh_commands_total", MetricType.Counter, "SSH commands (md5sum, sha*sum, cd, pwd, ...) that completed with exit status 0.", Volatile.Read(ref _sshCommands));
        page.Single("wharf_ssh_command_errors_total", MetricType.Counter, "SSH commands that failed (non-zero exit status or an error).", Volatile.Read(ref _sshCommandErrors));
        _logins.WriteTo(page);
        _http.WriteTo(page);
        if (Defender is { } defender)
        {
            page.Single("wharf_defender_bans_total", MetricType.Counter, "Sources banned by this node's defender since it started.", defender.BansTotal);
            page.Single("wharf_defender_banned_hosts", MetricType.Gauge, "Sources banned now (with the provider driver: by any node).", defender.BannedHosts);
            page.Single("wharf_defender_dropped_connections_total", MetricType.Counter, "Connections from banned or blocked sources closed before the version exchange.", defender.DroppedConnections);
        }

        page.Family("wharf_rate_limited_total", MetricType.Counter, "Connections closed and login attempts refused by common.rate_limiters, by what was limited.");
        page.Sample(RateLimiters?.ConnectionsLimited ?? 0, ("limited", "connect"));
        page.Sample(RateLimiters?.LoginsLimited ?? 0, ("limited", "login"));

        ProcessStats.WriteTo(page);
        RuntimeStats.WriteTo(page);
        return page.ToString();
    }

    /// <summary>Renders the whole page into <paramref name="output"/> as UTF-8.</summary>
    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        string page = await RenderAsync(cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(Encoding.UTF8.GetBytes(page), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops counting events.</summary>
    public void Dispose()
    {
        _events.FileAction -= OnFileAction;
        _events.Login -= OnLogin;
    }

    private void OnFileAction(FileActionEvent e)
    {
        switch (e.Action)
        {
            case FileActions.Upload:
                _uploads.Record(e.Succeeded, e.Bytes);
                break;
            case FileActions.Download:
                _downloads.Record(e.Succeeded, e.Bytes);
                break;
            case FileActions.SshCommand:
                Interlocked.Increment(ref e.Succeeded ? ref _sshCommands : ref _sshCommandErrors);
                break;
        }
    }

    private void OnLogin(LoginEvent e) => _logins.Record(e.Method, e.Succeeded);

    private int? ActiveConnections()
    {
        try
        {
            return _activeConnections();
        }
        catch (Exception)
        {
            // The host's callback failing must not take the whole page down; the gauge is left out.
            return null;
        }
    }

    private async Task<bool> DataProviderAvailableAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DataProviderTimeout);
        try
        {
            // WaitAsync as well as the token: a check that ignores its token still cannot hold the scrape.
            return await _dataProviderAvailable(timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return false;
        }
    }

    private static (string, string?) ReadBuild()
    {
        var assembly = typeof(WharfMetrics).Assembly;
        string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString(3) ?? "unknown";

        // The SDK appends "+<commit>" when it knows the source revision; it gets its own label.
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (version, null) : (version[..plus], version[(plus + 1)..]);
    }
}
