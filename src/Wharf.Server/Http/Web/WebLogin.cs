using Microsoft.AspNetCore.Http;
using Wharf.Server.Http.Auth;

namespace Wharf.Server.Http.Web;

/// <summary>The login form's POST and logout: the session cookie is the only thing they set.</summary>
public static class WebLogin
{
    private const long MaxForm = 16 * 1024;

    /// <summary>Checks the form's credentials; on success sets the session cookie and goes to the users page.</summary>
    public static async Task<IResult> LoginAsync(HttpDependencies deps, WebPages pages, HttpContext context)
    {
        var request = context.Request;
        if (!SameOrigin(request))
        {
            // A login form posted from another site (login CSRF) would sign the victim in as the attacker.
            return Problems.Create(StatusCodes.Status403Forbidden, "the login form must be posted from this server's own page");
        }

        if (!request.HasFormContentType || request.ContentLength is null or > MaxForm)
        {
            return pages.Login("send the login form (at most 16 KiB)", "", StatusCodes.Status400BadRequest);
        }

        var form = await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        if (form["username"].Count > 1 || form["password"].Count > 1)
        {
            // Repeated fields would be joined with commas into a name or password nobody typed.
            return pages.Login($"the {(form["username"].Count > 1 ? "username" : "password")} field appears more than once", "", StatusCodes.Status400BadRequest);
        }

        string username = form["username"].ToString().Trim();
        string password = form["password"].ToString();
        if (username.Length == 0 || password.Length == 0)
        {
            return pages.Login("enter a username and a password", username, StatusCodes.Status400BadRequest);
        }

        var (admin, retryAfter) = await deps.AuthenticateAdminAsync(context, username, password).ConfigureAwait(false);
        if (retryAfter is { } wait)
        {
            return pages.Login($"too many failed logins from this address; try again in {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} s", username, StatusCodes.Status429TooManyRequests);
        }

        if (admin is null)
        {
            string client = context.Connection.RemoteIpAddress?.ToString() ?? "";
            deps.Log.Write("warn", "connection_failed", $"admin login failed from {client}", new Dictionary<string, object?>
            {
                ["username"] = username,
                ["client_ip"] = client,
                ["login_type"] = "web_form",
                ["error"] = "invalid admin credentials",
            });
            return pages.Login("invalid username or password", username, StatusCodes.Status401Unauthorized);
        }

        StartSession(deps, context, admin);
        return Results.Redirect("/web/users");
    }

    /// <summary>Sets the cookie of a new session (a login).</summary>
    public static void StartSession(HttpDependencies deps, HttpContext context, Accounts.Admin admin)
    {
        ArgumentNullException.ThrowIfNull(deps);
        ArgumentNullException.ThrowIfNull(admin);
        var (token, expires) = deps.Tokens.Issue(admin.Username, admin.SessionStamp);
        context.Response.Cookies.Append(AdminAuthentication.CookieName, token, CookieOptions(context.Request, expires));
    }

    /// <summary>
    /// Sets a fresh cookie for the request's session. Called on every page an admin opens, so the
    /// session ends after the token lifetime without activity rather than in the middle of work.
    /// The new cookie keeps the session id, so a logout with any cookie of the chain ends them all.
    /// </summary>
    public static void RenewSession(HttpDependencies deps, HttpContext context, Accounts.Admin admin)
    {
        ArgumentNullException.ThrowIfNull(deps);
        ArgumentNullException.ThrowIfNull(admin);
        if (AdminAuthentication.GetSession(context) is not { } session)
        {
            return; // not a cookie session: nothing to renew
        }

        var (token, expires) = deps.Tokens.Issue(admin.Username, admin.SessionStamp, session.SessionId);
        context.Response.Cookies.Append(AdminAuthentication.CookieName, token, CookieOptions(context.Request, expires));
    }

    /// <summary>
    /// Ends the session (this cookie and every one renewed from the same login) and drops the cookie.
    /// Needs the web header, so another site cannot log the admin out.
    /// </summary>
    public static IResult Logout(HttpDependencies deps, HttpContext context)
    {
        if (!context.Request.Headers.ContainsKey(AdminAuthentication.WebHeader))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, $"the {AdminAuthentication.WebHeader} header is required");
        }

        if (context.Request.Cookies.TryGetValue(AdminAuthentication.CookieName, out var token))
        {
            deps.Tokens.Revoke(token);
        }

        context.Response.Cookies.Delete(AdminAuthentication.CookieName, CookieOptions(context.Request, null));
        return TypedResults.NoContent();
    }

    /// <summary>True without an Origin header (a plain form post from old browsers), or when it names this server.</summary>
    public static bool SameOrigin(HttpRequest request)
    {
        string origin = request.Headers.Origin.ToString();
        return origin.Length == 0 || string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
    }

    private static CookieOptions CookieOptions(HttpRequest request, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Secure = request.IsHttps,
        Expires = expires,
    };
}
