using System.Text.Json.Serialization;

namespace Wharf.Server.Accounts;

/// <summary>
/// An administrator of the REST API and web admin (not an SFTP user). <see cref="Password"/> is
/// always stored hashed (argon2id for new passwords).
/// </summary>
public sealed class Admin
{
    [JsonPropertyName("id")] public long Id { get; set; }
    [JsonPropertyName("username")] public string Username { get; set; } = "";

    /// <summary>The password hash; never returned by the API.</summary>
    [JsonPropertyName("password")] public string Password { get; set; } = "";

    /// <summary>1 active, 0 disabled (a disabled admin's tokens stop working at once).</summary>
    [JsonPropertyName("status")] public int Status { get; set; } = 1;

    [JsonPropertyName("email")] public string Email { get; set; } = "";
    [JsonPropertyName("description")] public string Description { get; set; } = "";

    /// <summary>Unix time in milliseconds of the last successful token request; 0 never.</summary>
    [JsonPropertyName("last_login")] public long LastLogin { get; set; }
}

/// <summary>
/// What the HTTP layer needs to know about administrators: check a password, and whether a
/// token's subject is still an active admin.
/// </summary>
public interface IAdminDirectory
{
    /// <summary>
    /// The active admin with this username and password, or null. Unknown names cost the same
    /// as known ones (a dummy verification), so timing does not reveal which admins exist.
    /// </summary>
    Task<Admin?> AuthenticateAsync(string username, string password, CancellationToken cancellationToken = default);

    /// <summary>The admin when it exists and is active; null otherwise.</summary>
    Task<Admin?> GetActiveAdminAsync(string username, CancellationToken cancellationToken = default);
}
