using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Wharf.Server.Accounts;
using Wharf.Server.Data;

namespace Wharf.Server.Http.Api;

/// <summary>
/// /api/v1/admins: list, get, add, update, delete administrators. Password hashes are never
/// returned; the last active admin can be neither disabled nor deleted (400, see <see cref="AdminService"/>).
/// </summary>
public static class AdminEndpoints
{
    /// <summary>Maps the routes on the /api/v1 group.</summary>
    public static void Map(RouteGroupBuilder api, HttpDependencies deps)
    {
        var admins = api.MapGroup("/admins").WithTags("admins");
        admins.MapGet("", async (CancellationToken ct) =>
                TypedResults.Json((await deps.Admins.ListAsync(ct).ConfigureAwait(false)).Select(AdminView.From).ToList(), ApiJson.Output))
            .WithName("listAdmins").WithSummary("Administrators ordered by username").Produces<List<AdminView>>();
        admins.MapGet("/{username}", async (string username, CancellationToken ct) =>
                await deps.Admins.GetAsync(username, ct).ConfigureAwait(false) is { } admin
                    ? TypedResults.Json(AdminView.From(admin), ApiJson.Output)
                    : Problems.NotFound($"no admin named '{username}'"))
            .WithName("getAdmin").WithSummary("One administrator").Produces<AdminView>().ProducesProblem(404);
        admins.MapPost("", (HttpRequest request) => AddAsync(deps, request))
            .WithName("addAdmin").WithSummary("Adds an administrator; the password is stored as argon2id")
            .Accepts<Admin>("application/json").Produces<AdminView>(201).ProducesProblem(400).ProducesProblem(415);
        admins.MapPut("/{username}", (string username, HttpRequest request) => UpdateAsync(deps, username, request))
            .WithName("updateAdmin").WithSummary("Replaces an administrator's password (empty keeps it), status, email and description")
            .Accepts<Admin>("application/json").Produces<AdminView>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(415);
        admins.MapDelete("/{username}", (string username, CancellationToken ct) => DeleteAsync(deps, username, ct))
            .WithName("deleteAdmin").WithSummary("Deletes an administrator (its tokens stop working at once)")
            .Produces(204).ProducesProblem(400).ProducesProblem(404);
    }

    private static async Task<IResult> AddAsync(HttpDependencies deps, HttpRequest request)
    {
        var (admin, problem) = await ApiJson.ReadAsync<Admin>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            admin!.Id = 0;
            admin.LastLogin = 0;
            var added = await deps.Admins.AddAsync(admin, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(AdminView.From(added), ApiJson.Output, statusCode: StatusCodes.Status201Created);
        }
        catch (DataProviderException ex) when (ex.Error == DataProviderError.Conflict)
        {
            return Problems.BadRequest($"username: an admin named '{admin!.Username}' already exists", "username");
        }
        catch (DataProviderException ex)
        {
            return Problems.From(ex);
        }
    }

    private static async Task<IResult> UpdateAsync(HttpDependencies deps, string username, HttpRequest request)
    {
        var (admin, problem) = await ApiJson.ReadAsync<Admin>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (admin!.Username.Length > 0 && admin.Username != username)
        {
            return Problems.BadRequest($"username '{admin.Username}' does not match the URL's '{username}' (admins cannot be renamed)", "username");
        }

        var ct = request.HttpContext.RequestAborted;
        admin.Username = username;
        try
        {
            await deps.Admins.UpdateAsync(admin, ct).ConfigureAwait(false);
            return await deps.Admins.GetAsync(username, ct).ConfigureAwait(false) is { } stored
                ? TypedResults.Json(AdminView.From(stored), ApiJson.Output)
                : Problems.NotFound($"no admin named '{username}'");
        }
        catch (DataProviderException ex)
        {
            return Problems.From(ex);
        }
    }

    private static async Task<IResult> DeleteAsync(HttpDependencies deps, string username, CancellationToken ct)
    {
        try
        {
            return await deps.Admins.DeleteAsync(username, ct).ConfigureAwait(false)
                ? TypedResults.NoContent()
                : Problems.NotFound($"no admin named '{username}'");
        }
        catch (DataProviderException ex)
        {
            return Problems.From(ex);
        }
    }
}

/// <summary>An administrator as the API shows it: no password hash.</summary>
public sealed record AdminView
{
    [JsonPropertyName("id")] public long Id { get; init; }
    [JsonPropertyName("username")] public required string Username { get; init; }

    /// <summary>1 active, 0 disabled.</summary>
    [JsonPropertyName("status")] public int Status { get; init; }
    [JsonPropertyName("email")] public string Email { get; init; } = "";
    [JsonPropertyName("description")] public string Description { get; init; } = "";

    /// <summary>Unix time in milliseconds of the last token request; 0 never.</summary>
    [JsonPropertyName("last_login")] public long LastLogin { get; init; }

    /// <summary>The view of <paramref name="admin"/>.</summary>
    public static AdminView From(Admin admin) => new()
    {
        Id = admin.Id,
        Username = admin.Username,
        Status = admin.Status,
        Email = admin.Email,
        Description = admin.Description,
        LastLogin = admin.LastLogin,
    };
}
