using Wharf.Server.Accounts;
using Wharf.Server.Configuration;
using Wharf.Server.Data;
using Wharf.Server.Hosting;
using Wharf.Server.Http.Auth;
using Wharf.Server.Logging;

namespace Wharf.Server.Http;

/// <summary>What the REST API and web admin work on: the running service, its users and admins.</summary>
public sealed class HttpDependencies
{
    /// <summary>The SFTP service (connections, events, data provider).</summary>
    public required WharfService Service { get; init; }

    /// <summary>Validated user writes (raises the data_provider events).</summary>
    public required UserService Users { get; init; }

    /// <summary>Administrators: authentication and the /api/v1/admins routes.</summary>
    public required AdminService Admins { get; init; }

    /// <summary>Per-address limit on failed admin logins.</summary>
    public LoginThrottle Throttle { get; init; } = new();

    /// <summary>
    /// Checks admin credentials for a request, through <see cref="Throttle"/>: the admin, or null
    /// with the time to wait when the address has no attempt left (nothing is verified then). The
    /// attempt's slot is taken before the password is verified, so parallel requests cannot
    /// verify more passwords than the limit allows.
    /// </summary>
    public async Task<(Admin? Admin, TimeSpan? RetryAfter)> AuthenticateAdminAsync(Microsoft.AspNetCore.Http.HttpContext context, string username, string password)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        if (!Throttle.TryAcquire(address, out var wait))
        {
            return (null, wait);
        }

        var admin = await Admins.AuthenticateAsync(username, password, context.RequestAborted).ConfigureAwait(false);
        if (admin is not null)
        {
            Throttle.Succeeded(address);
        }

        return (admin, null);
    }

    /// <summary>Token issuer and validator.</summary>
    public AdminTokens Tokens { get; init; } = new();

    /// <summary>Quota scans running in the background.</summary>
    public QuotaScans QuotaScans { get; } = new();

    /// <summary>Where http logs go (sender httpd).</summary>
    public required JsonLineLog Log { get; init; }

    /// <summary>The loaded configuration.</summary>
    public required WharfConfig Config { get; init; }

    /// <summary>Called once per response with its status (metrics).</summary>
    public Action<int>? ResponseObserver { get; init; }

    /// <summary>Writes the Prometheus page; null serves 404 at /metrics.</summary>
    public Func<Stream, CancellationToken, Task>? MetricsWriter { get; init; }

    /// <summary>The defender behind /api/v1/defender and /api/v2/defender; null when disabled.</summary>
    public Defense.HostDefender? Defender { get; init; }

    /// <summary>The Prometheus content type for <see cref="MetricsWriter"/>.</summary>
    public string MetricsContentType { get; init; } = "text/plain; version=0.0.4; charset=utf-8";
}
