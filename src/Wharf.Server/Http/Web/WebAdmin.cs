using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Wharf.Server.Http.Api;
using Wharf.Server.Http.Auth;

namespace Wharf.Server.Http.Web;

/// <summary>
/// The web admin under /web: login and logout, users (list, search, add, edit, delete, quota
/// usage) and active connections. Pages are plain HTML with small scripts that call the REST
/// API with the session cookie and the <see cref="AdminAuthentication.WebHeader"/> header;
/// <see cref="AdminAuthentication"/> has already authenticated every route here except
/// /web/login and /web/static.
/// </summary>
public static class WebAdmin
{
    /// <summary>
    /// No inline script or style and nothing from another origin, so injected markup cannot run;
    /// frame-ancestors and X-Frame-Options together stop clickjacking in old and new browsers.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Maps the /web routes on <paramref name="app"/>.</summary>
    public static void Map(WebApplication app, HttpDependencies deps)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(deps);
        var assets = WebAssets.Load();
        var pages = new WebPages(assets);
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/web", StringComparison.OrdinalIgnoreCase))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                if (!context.Request.Path.StartsWithSegments("/web/static", StringComparison.OrdinalIgnoreCase))
                {
                    headers.CacheControl = "no-store";
                    if (HttpMethods.IsGet(context.Request.Method) && AdminAuthentication.GetAdmin(context) is { } admin)
                    {
                        WebLogin.RenewSession(deps, context, admin);
                    }
                }
            }

            await next(context).ConfigureAwait(false);
        });

        app.MapGet("/web", () => Results.Redirect("/web/users")).ExcludeFromDescription();
        app.MapGet("/web/login", () => pages.Login(null, "")).ExcludeFromDescription();
        app.MapPost("/web/login", (HttpRequest request) => WebLogin.LoginAsync(deps, pages, request.HttpContext)).ExcludeFromDescription();
        app.MapPost("/web/logout", (HttpContext context) => WebLogin.Logout(deps, context)).ExcludeFromDescription();
        app.MapGet("/web/users", () => pages.Page("Users", "users", "users.html", "users.js")).ExcludeFromDescription();
        app.MapGet("/web/users/add", () => pages.Page("Add user", "users", "user.html", "user.js")).ExcludeFromDescription();
        app.MapGet("/web/users/edit", () => pages.Page("Edit user", "users", "user.html", "user.js")).ExcludeFromDescription();
        app.MapGet("/web/connections", () => pages.Page("Connections", "connections", "connections.html", "connections.js")).ExcludeFromDescription();
        app.MapGet("/web/static/{name}", (HttpContext context, string name) => assets.Serve(context, name)).ExcludeFromDescription();
        app.MapGet("/web/data/users", (HttpContext context, string? search, int? offset, int? limit) => SearchUsersAsync(deps, context, search, offset, limit))
            .ExcludeFromDescription();
    }

    /// <summary>
    /// A page of users whose name contains <paramref name="search"/> (case-insensitive), for the
    /// users table. The provider has no name filter, so this walks it in pages; one more match
    /// than asked for tells the page whether a next page exists.
    /// </summary>
    private static async Task<IResult> SearchUsersAsync(HttpDependencies deps, HttpContext context, string? search, int? offset, int? limit)
    {
        if (!context.Request.Headers.ContainsKey(AdminAuthentication.WebHeader))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, $"the {AdminAuthentication.WebHeader} header is required");
        }

        if (offset is < 0)
        {
            return Problems.BadRequest("offset must be 0 or more", "offset");
        }

        if (limit is < 1 or > UserEndpoints.MaxLimit)
        {
            return Problems.BadRequest($"limit must be between 1 and {UserEndpoints.MaxLimit}", "limit");
        }

        int skip = offset ?? 0, take = limit ?? 25;
        string needle = (search ?? "").Trim();
        var page = new List<Accounts.User>(take + 1);
        var ct = context.RequestAborted;
        for (int scanned = 0; page.Count <= take;)
        {
            var batch = await deps.Service.Provider.ListUsersAsync(scanned, UserEndpoints.MaxLimit, false, ct).ConfigureAwait(false);
            foreach (var user in batch)
            {
                if (needle.Length == 0 || user.Username.Contains(needle, StringComparison.OrdinalIgnoreCase))
                {
                    if (skip > 0)
                    {
                        skip--;
                    }
                    else if (page.Count <= take)
                    {
                        page.Add(UserEndpoints.Public(user));
                    }
                }
            }

            if (batch.Count < UserEndpoints.MaxLimit)
            {
                break;
            }

            scanned += batch.Count;
        }

        bool more = page.Count > take;
        return TypedResults.Json(new UserPage(more ? page[..take] : page, offset ?? 0, take, more), ApiJson.Output);
    }
}

/// <summary>One page of the users table.</summary>
public sealed record UserPage(
    [property: System.Text.Json.Serialization.JsonPropertyName("users")] List<Accounts.User> Users,
    [property: System.Text.Json.Serialization.JsonPropertyName("offset")] int Offset,
    [property: System.Text.Json.Serialization.JsonPropertyName("limit")] int Limit,
    [property: System.Text.Json.Serialization.JsonPropertyName("more")] bool More);
