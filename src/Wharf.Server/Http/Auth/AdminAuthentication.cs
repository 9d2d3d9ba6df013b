using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Wharf.Server.Accounts;

namespace Wharf.Server.Http.Auth;

/// <summary>
/// Every API, metrics and web route needs an active admin. Credentials, by route:
/// <list type="bullet">
/// <item>/api/v1/token: HTTP Basic (admin name and password) — the only place a password is accepted, besides the web login form;</item>
/// <item>/api/v1/*: <c>Authorization: Bearer</c>, or the web session cookie together with the
/// <c>X-Wharf-Web</c> header (a header a cross-site form cannot send, so the cookie cannot be ridden);</item>
/// <item>/metrics: Bearer, or Basic for scrapers that cannot fetch tokens;</item>
/// <item>/web/*: the session cookie; without it pages redirect to the login page.</item>
/// </list>
/// The admin is looked up on every request and must still have the session stamp its token was issued
/// with, so deleting, disabling or changing the password of one ends its tokens and cookies at once.
/// </summary>
public sealed class AdminAuthentication(RequestDelegate next, HttpDependencies deps)
{
    /// <summary>The web session cookie (HttpOnly, SameSite=Strict).</summary>
    public const string CookieName = "wharf_token";

    /// <summary>The header that makes a cookie acceptable on API calls.</summary>
    public const string WebHeader = "X-Wharf-Web";

    /// <summary>Where the authenticated <see cref="Admin"/> is kept in HttpContext.Items.</summary>
    public const string AdminItem = "wharf.admin";

    /// <summary>Where the request's <see cref="AdminSession"/> is kept when it came with a token or cookie.</summary>
    public const string SessionItem = "wharf.admin_session";

    /// <summary>The request's admin (set by this middleware on protected routes).</summary>
    public static Admin? GetAdmin(HttpContext context) => context.Items.TryGetValue(AdminItem, out var a) ? a as Admin : null;

    /// <summary>The session of the request's token or cookie; null for Basic credentials and open routes.</summary>
    public static AdminSession? GetSession(HttpContext context) => context.Items.TryGetValue(SessionItem, out var s) ? s as AdminSession : null;

    public async Task InvokeAsync(HttpContext context)
    {
        // Routing matches paths case-insensitively, so these checks must too (/API/V1/users is
        // /api/v1/users to the router). Anything not listed as open needs an admin.
        var path = context.Request.Path;
        const StringComparison Ci = StringComparison.OrdinalIgnoreCase;
        bool metrics = path.StartsWithSegments("/metrics", Ci);
        bool web = path.StartsWithSegments("/web", Ci);
        bool open = path.Equals("/api/v1/token", Ci)
            || path.Equals("/healthz", Ci)
            || path.StartsWithSegments("/web/login", Ci)
            || path.StartsWithSegments("/web/static", Ci)
            || !path.HasValue || path.Value == "/";
        if (open)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        Admin? admin = null;
        var header = context.Request.Headers.Authorization.ToString();
        if (AuthenticationHeaderValue.TryParse(header, out var auth) && auth.Parameter is { Length: > 0 } credentials)
        {
            if (string.Equals(auth.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
            {
                admin = await FromTokenAsync(context, credentials).ConfigureAwait(false);
            }
            else if (metrics && string.Equals(auth.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) && TryBasic(credentials, out var name, out var password))
            {
                (admin, var retryAfter) = await deps.AuthenticateAdminAsync(context, name, password).ConfigureAwait(false);
                if (retryAfter is { } wait)
                {
                    await Api.ServiceEndpoints.TooManyFailures(context, wait).ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }
            }
        }
        else if (context.Request.Cookies.TryGetValue(CookieName, out var cookie) && (web || context.Request.Headers.ContainsKey(WebHeader)))
        {
            admin = await FromTokenAsync(context, cookie).ConfigureAwait(false);
        }

        if (admin is null)
        {
            if (web)
            {
                context.Response.Redirect("/web/login");
                return;
            }

            context.Response.Headers.WWWAuthenticate = metrics ? "Bearer, Basic realm=\"wharf\"" : "Bearer";
            await Problems.Create(StatusCodes.Status401Unauthorized, "an admin token is required: GET /api/v1/token with HTTP Basic credentials, then send Authorization: Bearer <token>")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Items[AdminItem] = admin;
        await next(context).ConfigureAwait(false);
    }

    /// <summary>
    /// The token's admin when the token is valid and the admin, as stored now, is active and still has
    /// the stamp the token was issued with (so a changed password, a disable or a re-created admin
    /// of the same name refuses it).
    /// </summary>
    private async Task<Admin?> FromTokenAsync(HttpContext context, string token)
    {
        if (deps.Tokens.Validate(token) is not { } session
            || await deps.Admins.GetSessionAdminAsync(session.Username, session.SessionStamp, context.RequestAborted).ConfigureAwait(false) is not { } admin)
        {
            return null;
        }

        context.Items[SessionItem] = session;
        return admin;
    }

    /// <summary>Decodes <c>base64(name:password)</c>.</summary>
    public static bool TryBasic(string credentials, out string name, out string password)
    {
        name = password = "";
        if (credentials.Length > 4096)
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(credentials));
        }
        catch (FormatException)
        {
            return false;
        }

        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        name = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }
}
