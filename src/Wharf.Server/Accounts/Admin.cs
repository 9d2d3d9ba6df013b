using System.Security.Cryptography;
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

    /// <summary>
    /// A random value every token and session cookie of this admin carries. The providers give a new
    /// one to every added admin (so an admin deleted and created again never inherits the old
    /// tokens) and <see cref="Data.AdminService"/> replaces it when the password or status
    /// changes, which ends every token and cookie issued before. Kept out of JSON: it is neither
    /// shown by the API nor dumped, and a restored admin gets a new one.
    /// </summary>
    [JsonIgnore] public string SessionStamp { get; set; } = "";

    /// <summary>A fresh <see cref="SessionStamp"/> (128 random bits, hex).</summary>
    public static string NewSessionStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
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

    /// <summary>
    /// The admin when it exists, is active and its <see cref="Admin.SessionStamp"/> is still
    /// <paramref name="sessionStamp"/> (the one a token was issued with); null otherwise.
    /// </summary>
    Task<Admin?> GetSessionAdminAsync(string username, string sessionStamp, CancellationToken cancellationToken = default);
}
