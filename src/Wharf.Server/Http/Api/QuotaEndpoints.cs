using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Wharf.Server.Data;

namespace Wharf.Server.Http.Api;

/// <summary>
/// Quota scan (measure a home in the background) and quota update (set or add the used quota by
/// hand). Both change the live tracker the user's sessions share, not only the database, so the
/// next upload is checked against the new figure. With track_quota 0 they do nothing (403).
/// </summary>
public static class QuotaEndpoints
{
    /// <summary>Maps the routes on the /api/v1 group.</summary>
    public static void Map(RouteGroupBuilder api, HttpDependencies deps)
    {
        var quota = api.MapGroup("").WithTags("quota");
        quota.MapPost("/users/{username}/quota-scan", (string username, CancellationToken ct) => StartScanAsync(deps, username, ct))
            .WithName("startQuotaScan").WithSummary("Scans the user's home in the background and sets the used quota to what is there")
            .Produces<QuotaScanStatus>(202).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        quota.MapGet("/quota-scans", () => TypedResults.Json(deps.QuotaScans.List(), ApiJson.Output))
            .WithName("listQuotaScans").WithSummary("Quota scans in progress, oldest first")
            .Produces<List<QuotaScanStatus>>();
        quota.MapPut("/users/{username}/quota", (string username, string? mode, HttpRequest request) => UpdateAsync(deps, username, mode, request))
            .WithName("updateUsedQuota").WithSummary("Sets (mode=reset, the default) or adds to (mode=add) the user's used quota")
            .Accepts<QuotaUsage>("application/json").Produces<QuotaUsage>()
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(415);
    }

    private static IResult TrackingDisabled() =>
        Problems.Create(StatusCodes.Status403Forbidden, "quota tracking is disabled (data_provider.track_quota is 0)", "track_quota");

    private static async Task<IResult> StartScanAsync(HttpDependencies deps, string username, CancellationToken ct)
    {
        if (deps.Service.TrackQuota == 0)
        {
            return TrackingDisabled();
        }

        var user = await deps.Service.Provider.GetUserAsync(username, ct).ConfigureAwait(false);
        if (user is null)
        {
            return Problems.NotFound($"no user named '{username}'");
        }

        bool started = deps.QuotaScans.TryStart(username, () => deps.Service.ScanQuotaAsync(user),
            ex => deps.Log.Write("error", "httpd", $"quota scan of {username} failed: {ex.GetType().Name}: {ex.Message}"));
        if (!started)
        {
            return Problems.Create(StatusCodes.Status409Conflict, $"a quota scan of '{username}' is already running", "username");
        }

        var status = deps.QuotaScans.List().FirstOrDefault(s => s.Username == username) ?? new QuotaScanStatus(username, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return TypedResults.Json(status, ApiJson.Output, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> UpdateAsync(HttpDependencies deps, string username, string? mode, HttpRequest request)
    {
        if (mode is not (null or "reset" or "add"))
        {
            return Problems.BadRequest("mode must be reset or add", "mode");
        }

        var (usage, problem) = await ApiJson.ReadAsync<QuotaUsage>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (usage!.UsedQuotaSize is not { } size || size < 0)
        {
            return Problems.BadRequest("used_quota_size is required and must be 0 or more", "used_quota_size");
        }

        if (usage.UsedQuotaFiles is not { } files || files < 0)
        {
            return Problems.BadRequest("used_quota_files is required and must be 0 or more", "used_quota_files");
        }

        if (deps.Service.TrackQuota == 0)
        {
            return TrackingDisabled();
        }

        var ct = request.HttpContext.RequestAborted;
        var user = await deps.Service.Provider.GetUserAsync(username, ct).ConfigureAwait(false);
        if (user is null)
        {
            return Problems.NotFound($"no user named '{username}'");
        }

        if (deps.QuotaScans.IsRunning(username))
        {
            return Problems.Create(StatusCodes.Status409Conflict, $"a quota scan of '{username}' is running; update the quota after it ends", "username");
        }

        if (mode == "add" && ((long)user.UsedQuotaFiles + files > int.MaxValue || user.UsedQuotaSize > long.MaxValue - size))
        {
            return Problems.BadRequest("the used quota would overflow", files > 0 && (long)user.UsedQuotaFiles + files > int.MaxValue ? "used_quota_files" : "used_quota_size");
        }

        try
        {
            await deps.Service.UpdateUsedQuotaAsync(user, size, files, reset: mode != "add", ct).ConfigureAwait(false);
            var stored = await deps.Service.Provider.GetUserAsync(username, ct).ConfigureAwait(false);
            return stored is null
                ? Problems.NotFound($"no user named '{username}'")
                : TypedResults.Json(new QuotaUsage { UsedQuotaSize = stored.UsedQuotaSize, UsedQuotaFiles = stored.UsedQuotaFiles }, ApiJson.Output);
        }
        catch (DataProviderException ex)
        {
            return Problems.From(ex);
        }
    }
}

/// <summary>Used quota: the body of a quota update, and its answer.</summary>
public sealed class QuotaUsage
{
    /// <summary>Bytes used (to set, or to add with mode=add).</summary>
    [JsonPropertyName("used_quota_size")] public long? UsedQuotaSize { get; set; }

    /// <summary>Files used (to set, or to add with mode=add).</summary>
    [JsonPropertyName("used_quota_files")] public int? UsedQuotaFiles { get; set; }
}
