using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Wharf.Server.Accounts;
using Wharf.Server.Data;

namespace Wharf.Server.Http.Api;

/// <summary>/api/v1/users: list with paging, get, add, update, delete. Passwords are never returned.</summary>
public static class UserEndpoints
{
    /// <summary>Largest page a list returns.</summary>
    public const int MaxLimit = 500;

    /// <summary>Maps the routes on <paramref name="api"/> (the /api/v1 group).</summary>
    public static void Map(RouteGroupBuilder api, HttpDependencies deps)
    {
        var users = api.MapGroup("/users").WithTags("users");
        users.MapGet("", (string? offset, string? limit, string? order, CancellationToken ct) => ListAsync(deps, offset, limit, order, ct))
            .WithName("listUsers").WithSummary("Users ordered by username, a page at a time")
            .WithDescription("offset: users to skip (default 0); limit: 1-500 (default 100); order: ASC (default) or DESC by username.")
            .Produces<List<User>>().ProducesProblem(400);
        users.MapGet("/{username}", (string username, CancellationToken ct) => GetAsync(deps, username, ct))
            .WithName("getUser").WithSummary("One user")
            .Produces<User>().ProducesProblem(404);
        users.MapPost("", (HttpRequest request) => AddAsync(deps, request))
            .WithName("addUser").WithSummary("Adds a user; a plain password is stored as argon2id")
            .Accepts<User>("application/json").Produces<User>(201).ProducesProblem(400).ProducesProblem(413).ProducesProblem(415);
        users.MapPut("/{username}", (string username, HttpRequest request) => UpdateAsync(deps, username, request))
            .WithName("updateUser").WithSummary("Replaces a user's properties; an empty password keeps the current one; used quota is kept")
            .Accepts<User>("application/json").Produces<User>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);
        users.MapDelete("/{username}", (string username, CancellationToken ct) => DeleteAsync(deps, username, ct))
            .WithName("deleteUser").WithSummary("Deletes a user (its files stay)")
            .Produces(204).ProducesProblem(404);
    }

    /// <summary>The user as the API shows it: everything but the password hash.</summary>
    public static User Public(User user)
    {
        var copy = DataJson.Clone(user);
        copy.Password = null;
        return copy;
    }

    private static async Task<IResult> ListAsync(HttpDependencies deps, string? offsetText, string? limitText, string? order, CancellationToken ct)
    {
        if (!TryQueryInt(offsetText, 0, out int offset) || offset < 0)
        {
            return Problems.BadRequest("offset must be a whole number, 0 or more", "offset");
        }

        if (!TryQueryInt(limitText, 100, out int limit) || limit is < 1 or > MaxLimit)
        {
            return Problems.BadRequest($"limit must be a whole number between 1 and {MaxLimit}", "limit");
        }

        if (order is not (null or "ASC" or "DESC"))
        {
            return Problems.BadRequest("order must be ASC or DESC", "order");
        }

        var list = await deps.Service.Provider.ListUsersAsync(offset, limit, order == "DESC", ct).ConfigureAwait(false);
        return TypedResults.Json(list.Select(Public).ToList(), ApiJson.Output);
    }

    /// <summary>An optional whole number from the query string (absent: <paramref name="fallback"/>).</summary>
    internal static bool TryQueryInt(string? text, int fallback, out int value)
    {
        if (text is null)
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    private static async Task<IResult> GetAsync(HttpDependencies deps, string username, CancellationToken ct) =>
        await deps.Service.Provider.GetUserAsync(username, ct).ConfigureAwait(false) is { } user
            ? TypedResults.Json(Public(user), ApiJson.Output)
            : Problems.NotFound($"no user named '{username}'");

    private static async Task<IResult> AddAsync(HttpDependencies deps, HttpRequest request)
    {
        var (user, problem) = await ApiJson.ReadAsync<User>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            user!.Id = 0;
            user.UsedQuotaSize = 0;
            user.UsedQuotaFiles = 0;
            user.LastLogin = 0;
            var added = await deps.Users.AddAsync(user, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(Public(added), ApiJson.Output, statusCode: StatusCodes.Status201Created);
        }
        catch (DataProviderException ex) when (ex.Error == DataProviderError.Conflict)
        {
            // A duplicate is bad input like any other: 400 naming the field.
            return Problems.BadRequest($"username: a user named '{user!.Username}' already exists", "username");
        }
        catch (DataProviderException ex)
        {
            return Problems.From(ex);
        }
    }

    private static async Task<IResult> UpdateAsync(HttpDependencies deps, string username, HttpRequest request)
    {
        var (user, problem) = await ApiJson.ReadAsync<User>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (user!.Username.Length > 0 && user.Username != username)
        {
            return Problems.BadRequest($"username '{user.Username}' does not match the URL's '{username}' (users cannot be renamed)", "username");
        }

        var ct = request.HttpContext.RequestAborted;
        try
        {
            var existing = await deps.Service.Provider.GetUserAsync(username, ct).ConfigureAwait(false);
            if (existing is null)
            {
                return Problems.NotFound($"no user named '{username}'");
            }

            user.Username = username;
            user.Id = existing.Id;
            if (string.IsNullOrEmpty(user.Password))
            {
                user.Password = existing.Password; // an update without a password keeps the current one
            }

            await deps.Users.UpdateAsync(user, ct).ConfigureAwait(false);
            var stored = await deps.Service.Provider.GetUserAsync(username, ct).ConfigureAwait(false);
            return stored is null ? Problems.NotFound($"no user named '{username}'") : TypedResults.Json(Public(stored), ApiJson.Output);
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
            return await deps.Users.DeleteAsync(username, ct).ConfigureAwait(false)
                ? TypedResults.NoContent()
                : Problems.NotFound($"no user named '{username}'");
        }
        catch (DataProviderException ex)
        {
            return Problems.From(ex);
        }
    }
}
