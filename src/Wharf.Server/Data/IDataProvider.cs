using Wharf.Server.Accounts;

namespace Wharf.Server.Data;

/// <summary>
/// Where users and administrators live (SQLite, PostgreSQL, or memory). Implementations are safe for concurrent use
/// and several nodes may share one PostgreSQL database.
/// </summary>
public interface IDataProvider : IAsyncDisposable
{
    /// <summary>sqlite, postgresql or memory.</summary>
    string Driver { get; }

    /// <summary>Creates or migrates the schema to the latest version (idempotent).</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>The schema version in the database (0 when uninitialised).</summary>
    Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>True when the database answers.</summary>
    Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default);

    Task<User?> GetUserAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>Users ordered by username (ascending unless <paramref name="descending"/>).</summary>
    Task<IReadOnlyList<User>> ListUsersAsync(int offset, int limit, bool descending = false, CancellationToken cancellationToken = default);

    /// <summary>Adds a validated user (password already hashed); returns it with its id. Duplicate name → <see cref="DataProviderException"/> (Conflict).</summary>
    Task<User> AddUserAsync(User user, CancellationToken cancellationToken = default);

    /// <summary>Replaces a user's properties (not its used quota). Unknown user → NotFound.</summary>
    Task UpdateUserAsync(User user, CancellationToken cancellationToken = default);

    /// <summary>False when there was no such user.</summary>
    Task<bool> DeleteUserAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>Adds to (or with <paramref name="reset"/> sets) the used quota, atomically in the database.</summary>
    Task UpdateQuotaAsync(string username, long sizeDelta, int filesDelta, bool reset, CancellationToken cancellationToken = default);

    /// <summary>Records a successful login now.</summary>
    Task UpdateLastLoginAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>The administrator with this exact username, or null.</summary>
    Task<Admin?> GetAdminAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>Every administrator, ordered by username (there are few; no paging).</summary>
    Task<IReadOnlyList<Admin>> ListAdminsAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a validated admin (password already hashed); returns it with its id. Duplicate name → <see cref="DataProviderException"/> (Conflict).</summary>
    Task<Admin> AddAdminAsync(Admin admin, CancellationToken cancellationToken = default);

    /// <summary>Replaces an admin's password, status, email and description (not its last login). Unknown admin → NotFound.</summary>
    Task UpdateAdminAsync(Admin admin, CancellationToken cancellationToken = default);

    /// <summary>False when there was no such admin.</summary>
    Task<bool> DeleteAdminAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>Records an admin's successful login now. Unknown admin → NotFound.</summary>
    Task UpdateAdminLastLoginAsync(string username, CancellationToken cancellationToken = default);
}
