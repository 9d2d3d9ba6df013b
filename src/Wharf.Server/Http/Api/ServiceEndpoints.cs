using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Wharf.Server.Data;
using Wharf.Server.Http.Auth;

namespace Wharf.Server.Http.Api;

/// <summary>Token, logout, version and health.</summary>
public static class ServiceEndpoints
{
    /// <summary>The running build's version.</summary>
    public static string Version { get; } =
        typeof(ServiceEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>Maps the routes on the /api/v1 group, and /healthz on <paramref name="app"/>.</summary>
    public static void Map(IEndpointRouteBuilder app, RouteGroupBuilder api, HttpDependencies deps)
    {
        api.MapGet("/token", (HttpRequest request) => TokenAsync(deps, request.HttpContext))
            .WithTags("auth").WithName("getToken").WithSummary("Exchanges HTTP Basic admin credentials for a bearer token")
            .Produces<TokenResponse>().ProducesProblem(401).ProducesProblem(429);
        api.MapPost("/logout", (HttpRequest request) =>
        {
            string header = request.Headers.Authorization.ToString();
            if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                deps.Tokens.Revoke(header[7..].Trim());
            }
            else if (request.Cookies.TryGetValue(AdminAuthentication.CookieName, out var cookie))
            {
                deps.Tokens.Revoke(cookie);
            }

            return TypedResults.NoContent();
        }).WithTags("auth").WithName("logout").WithSummary("Revokes the token used for this request").Produces(204);
        api.MapGet("/version", () => TypedResults.Json(new VersionInfo(Version), ApiJson.Output))
            .WithTags("service").WithName("getVersion").WithSummary("The server's version").Produces<VersionInfo>();
        api.MapGet("/health", async (CancellationToken ct) =>
        {
            bool provider = await ProviderAvailableAsync(deps, ct).ConfigureAwait(false);
            var health = new HealthInfo(provider ? "ok" : "degraded", provider, deps.Service.Sftp.Connections.Count);
            return TypedResults.Json(health, ApiJson.Output, statusCode: provider ? 200 : 503);
        }).WithTags("service").WithName("getHealth").WithSummary("Data provider availability and active connections").Produces<HealthInfo>().Produces<HealthInfo>(503);
        app.MapGet("/healthz", async (CancellationToken ct) =>
            await ProviderAvailableAsync(deps, ct).ConfigureAwait(false) ? Results.Text("ok\n") : Results.Text("data provider unavailable\n", statusCode: 503))
            .ExcludeFromDescription();
    }

    /// <summary>Asks the provider with a 5 second limit, so a hung database never hangs the caller.</summary>
    public static async Task<bool> ProviderAvailableAsync(HttpDependencies deps, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            return await deps.Service.Provider.IsAvailableAsync(cts.Token).WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or System.Data.Common.DbException or DataProviderException or IOException or ObjectDisposedException)
        {
            // A health check reports; it does not fail with the thing it checks.
            return false;
        }
    }

    private static async Task<IResult> TokenAsync(HttpDependencies deps, HttpContext context)
    {
        string header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
            && AdminAuthentication.TryBasic(header[6..].Trim(), out var name, out var password))
        {
            var (admin, retryAfter) = await deps.AuthenticateAdminAsync(context, name, password).ConfigureAwait(false);
            if (retryAfter is { } wait)
            {
                return TooManyFailures(context, wait);
            }

            if (admin is not null)
            {
                var (token, expires) = deps.Tokens.Issue(admin.Username, admin.SessionStamp);
                return TypedResults.Json(new TokenResponse(token, expires), ApiJson.Output);
            }
        }

        string client = context.Connection.RemoteIpAddress?.ToString() ?? "";
        deps.Log.Write("warn", "connection_failed", $"admin login failed from {client}", new Dictionary<string, object?>
        {
            ["username"] = header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) && AdminAuthentication.TryBasic(header[6..].Trim(), out var n, out _) ? n : "",
            ["client_ip"] = client,
            ["login_type"] = "http_basic",
            ["error"] = "invalid admin credentials",
        });
        context.Response.Headers.WWWAuthenticate = "Basic realm=\"wharf\"";
        return Problems.Create(StatusCodes.Status401Unauthorized, "invalid admin credentials");
    }

    /// <summary>429 with Retry-After, for an address that failed too many admin logins.</summary>
    public static IResult TooManyFailures(HttpContext context, TimeSpan wait)
    {
        int seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status429TooManyRequests, $"too many failed logins from this address; try again in {seconds} s");
    }
}

/// <summary>A bearer token and its expiry.</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt);

/// <summary>The server's version.</summary>
public sealed record VersionInfo([property: JsonPropertyName("version")] string Version);

/// <summary>Health: "ok" or "degraded".</summary>
public sealed record HealthInfo(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("data_provider_available")] bool DataProviderAvailable,
    [property: JsonPropertyName("active_connections")] int ActiveConnections);
