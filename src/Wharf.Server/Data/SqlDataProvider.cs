using System.Data.Common;
using Wharf.Server.Accounts;

namespace Wharf.Server.Data;

/// <summary>
/// The SQL providers' common logic: users and admins each in one table with a column per property
/// (lists and maps as JSON text), versioned migrations recorded in schema_version, parameterised
/// SQL only.
/// </summary>
public abstract partial class SqlDataProvider : IDataProvider
{
    /// <summary>The schema version the latest migration produces.</summary>
    public const int LatestSchemaVersion = 5;

    private const string SelectColumns =
        "id, username, password, public_keys, status, expiration_date, home_dir, uid, gid, max_sessions, quota_size, quota_files, " +
        "permissions, used_quota_size, used_quota_files, last_quota_update, upload_bandwidth, download_bandwidth, last_login, allowed_ip, denied_ip";

    private const string AdminColumns = "id, username, password, status, email, description, last_login, session_stamp";

    private protected SqlDataProvider()
    {
    }

    /// <inheritdoc/>
    public abstract string Driver { get; }

    /// <summary>Ordered schema steps, versions 1..<see cref="LatestSchemaVersion"/>.</summary>
    private protected abstract IReadOnlyList<SchemaMigration> Migrations { get; }

    /// <summary>The ORDER BY expression giving ordinal (byte) order of usernames.</summary>
    private protected virtual string UsernameOrder => "username";

    private protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    private protected abstract Task<bool> SchemaVersionTableExistsAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Called inside the migration transaction before anything is read: serialises migrating nodes.</summary>
    private protected abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Called once per InitializeAsync before migrating (e.g. to set the journal mode).</summary>
    private protected virtual Task PrepareAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    private protected abstract bool IsUniqueViolation(DbException exception);

    private protected abstract string SchemaVersionTableSql { get; }

    /// <inheritdoc/>
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        MigrateToAsync(LatestSchemaVersion, cancellationToken);

    /// <summary>Applies the migrations up to and including <paramref name="version"/> (tests build older databases with it).</summary>
    internal async Task MigrateToAsync(int version, CancellationToken cancellationToken)
    {
        await ExecuteAsync(async connection =>
        {
            await PrepareAsync(connection, cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await LockForMigrationAsync(connection, tx, cancellationToken).ConfigureAwait(false);
            await NonQueryAsync(connection, tx, SchemaVersionTableSql, cancellationToken).ConfigureAwait(false);
            int current = await ReadVersionAsync(connection, tx, cancellationToken).ConfigureAwait(false);
            foreach (var step in Migrations.Where(m => m.Version > current && m.Version <= version).OrderBy(m => m.Version))
            {
                await NonQueryAsync(connection, tx, step.Sql, cancellationToken).ConfigureAwait(false);
                await using var record = Command(connection, tx, "INSERT INTO schema_version (version, description, applied_at) VALUES (@v, @d, @t)",
                    ("@v", step.Version), ("@d", step.Description), ("@t", NowMs()));
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync(async connection =>
            await SchemaVersionTableExistsAsync(connection, cancellationToken).ConfigureAwait(false)
                ? await ReadVersionAsync(connection, null, cancellationToken).ConfigureAwait(false)
                : 0, cancellationToken);

    /// <inheritdoc/>
    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await ExecuteAsync(async connection =>
            {
                await using var cmd = Command(connection, null, "SELECT 1");
                return Convert.ToInt64(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 1;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (DataProviderException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public Task<User?> GetUserAsync(string username, CancellationToken cancellationToken = default) =>
        ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null, $"SELECT {SelectColumns} FROM users WHERE username = @u", ("@u", username));
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadUser(reader) : null;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<User>> ListUsersAsync(int offset, int limit, bool descending = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return ExecuteAsync<IReadOnlyList<User>>(async connection =>
        {
            string order = descending ? "DESC" : "ASC";
            await using var cmd = Command(connection, null,
                $"SELECT {SelectColumns} FROM users ORDER BY {UsernameOrder} {order} LIMIT @limit OFFSET @offset",
                ("@limit", (long)limit), ("@offset", (long)offset));
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var users = new List<User>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                users.Add(ReadUser(reader));
            }

            return users;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<User> AddUserAsync(User user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null,
                "INSERT INTO users (username, password, public_keys, status, expiration_date, home_dir, uid, gid, max_sessions, quota_size, quota_files, " +
                "permissions, used_quota_size, used_quota_files, last_quota_update, upload_bandwidth, download_bandwidth, last_login, allowed_ip, denied_ip) VALUES " +
                "(@username, @password, @public_keys, @status, @expiration_date, @home_dir, @uid, @gid, @max_sessions, @quota_size, @quota_files, " +
                "@permissions, @used_quota_size, @used_quota_files, @last_quota_update, @upload_bandwidth, @download_bandwidth, @last_login, @allowed_ip, @denied_ip) RETURNING id",
                [.. UserParameters(user), ("@used_quota_size", user.UsedQuotaSize), ("@used_quota_files", user.UsedQuotaFiles),
                 ("@last_quota_update", user.LastQuotaUpdate), ("@last_login", user.LastLogin)]);
            try
            {
                var id = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                var added = DataJson.Clone(user);
                added.Id = Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture);
                return added;
            }
            catch (DbException ex) when (IsUniqueViolation(ex))
            {
                throw new DataProviderException(DataProviderError.Conflict, $"user '{user.Username}' already exists", "username", ex);
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task UpdateUserAsync(User user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        int rows = await ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null,
                "UPDATE users SET password = @password, public_keys = @public_keys, status = @status, expiration_date = @expiration_date, " +
                "home_dir = @home_dir, uid = @uid, gid = @gid, max_sessions = @max_sessions, quota_size = @quota_size, quota_files = @quota_files, " +
                "permissions = @permissions, upload_bandwidth = @upload_bandwidth, download_bandwidth = @download_bandwidth, " +
                "allowed_ip = @allowed_ip, denied_ip = @denied_ip WHERE username = @username",
                UserParameters(user));
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (rows == 0)
        {
            throw NotFound(user.Username);
        }
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteUserAsync(string username, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null, "DELETE FROM users WHERE username = @u", ("@u", username));
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false) > 0;

    /// <inheritdoc/>
    /// <exception cref="DataProviderException">NotFound for an unknown user.</exception>
    public async Task UpdateQuotaAsync(string username, long sizeDelta, int filesDelta, bool reset, CancellationToken cancellationToken = default)
    {
        string sql = reset
            ? "UPDATE users SET used_quota_size = @s, used_quota_files = @f, last_quota_update = @t WHERE username = @u"
            : "UPDATE users SET used_quota_size = used_quota_size + @s, used_quota_files = used_quota_files + @f, last_quota_update = @t WHERE username = @u";
        int rows = await ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null, sql, ("@s", sizeDelta), ("@f", filesDelta), ("@t", NowMs()), ("@u", username));
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (rows == 0)
        {
            throw NotFound(username);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="DataProviderException">NotFound for an unknown user.</exception>
    public async Task UpdateLastLoginAsync(string username, CancellationToken cancellationToken = default)
    {
        int rows = await ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null, "UPDATE users SET last_login = @t WHERE username = @u", ("@t", NowMs()), ("@u", username));
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (rows == 0)
        {
            throw NotFound(username);
        }
    }

    /// <inheritdoc/>
    public Task<Admin?> GetAdminAsync(string username, CancellationToken cancellationToken = default) =>
        ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null, $"SELECT {AdminColumns} FROM admins WHERE username = @u", ("@u", username));
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadAdmin(reader) : null;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Admin>> ListAdminsAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync<IReadOnlyList<Admin>>(async connection =>
        {
            await using var cmd = Command(connection, null, $"SELECT {AdminColumns} FROM admins ORDER BY {UsernameOrder}");
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var admins = new List<Admin>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                admins.Add(ReadAdmin(reader));
            }

            return admins;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<Admin> AddAdminAsync(Admin admin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admin);
        // Always a new stamp, whatever the caller holds: an admin created again under a deleted
        // one's name must not accept that one's tokens.
        string stamp = Admin.NewSessionStamp();
        return ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null,
                "INSERT INTO admins (username, password, status, email, description, last_login, session_stamp) " +
                "VALUES (@username, @password, @status, @email, @description, @last_login, @session_stamp) RETURNING id",
                [.. AdminParameters(admin), ("@last_login", admin.LastLogin), ("@session_stamp", stamp)]);
            try
            {
                var id = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                var added = DataJson.Clone(admin);
                added.Id = Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture);
                added.SessionStamp = stamp;
                return added;
            }
            catch (DbException ex) when (IsUniqueViolation(ex))
            {
                throw new DataProviderException(DataProviderError.Conflict, $"admin '{admin.Username}' already exists", "username", ex);
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task UpdateAdminAsync(Admin admin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admin);
        int rows = await ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null,
                "UPDATE admins SET password = @password, status = @status, email = @email, description = @description, session_stamp = @session_stamp WHERE username = @username",
                // A caller that does not know the stamp (a restore) ends the admin's sessions rather than keeping them by accident.
                [.. AdminParameters(admin), ("@session_stamp", string.IsNullOrEmpty(admin.SessionStamp) ? Admin.NewSessionStamp() : admin.SessionStamp)]);
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (rows == 0)
        {
            throw AdminNotFound(admin.Username);
        }
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteAdminAsync(string username, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null, "DELETE FROM admins WHERE username = @u", ("@u", username));
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false) > 0;

    /// <inheritdoc/>
    public async Task UpdateAdminLastLoginAsync(string username, CancellationToken cancellationToken = default)
    {
        int rows = await ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null, "UPDATE admins SET last_login = @t WHERE username = @u", ("@t", NowMs()), ("@u", username));
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (rows == 0)
        {
            throw AdminNotFound(username);
        }
    }

    /// <inheritdoc/>
    public abstract ValueTask DisposeAsync();

    private protected static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }

        return cmd;
    }

    private protected static async Task NonQueryAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = Command(connection, transaction, sql);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> ReadVersionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var cmd = Command(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static (string, object?)[] UserParameters(User u) =>
    [
        ("@username", u.Username),
        ("@password", string.IsNullOrEmpty(u.Password) ? null : u.Password),
        ("@public_keys", DataJson.Serialize(u.PublicKeys ?? [])),
        ("@status", u.Status),
        ("@expiration_date", u.ExpirationDate),
        ("@home_dir", u.HomeDir),
        ("@uid", u.Uid),
        ("@gid", u.Gid),
        ("@max_sessions", u.MaxSessions),
        ("@quota_size", u.QuotaSize),
        ("@quota_files", u.QuotaFiles),
        ("@permissions", DataJson.Serialize(u.Permissions ?? [])),
        ("@upload_bandwidth", u.UploadBandwidth),
        ("@download_bandwidth", u.DownloadBandwidth),
        ("@allowed_ip", DataJson.Serialize(u.AllowedIp ?? [])),
        ("@denied_ip", DataJson.Serialize(u.DeniedIp ?? [])),
    ];

    private static User ReadUser(DbDataReader r)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        long L(int i) => Convert.ToInt64(r.GetValue(i), c);
        int I(int i) => Convert.ToInt32(r.GetValue(i), c);
        return new User
        {
            Id = L(0),
            Username = r.GetString(1),
            Password = r.IsDBNull(2) ? null : r.GetString(2),
            PublicKeys = DataJson.DeserializeColumn<List<string>>(r.GetString(3), "public_keys"),
            Status = I(4),
            ExpirationDate = L(5),
            HomeDir = r.GetString(6),
            Uid = I(7),
            Gid = I(8),
            MaxSessions = I(9),
            QuotaSize = L(10),
            QuotaFiles = I(11),
            Permissions = DataJson.DeserializeColumn<Dictionary<string, List<string>>>(r.GetString(12), "permissions"),
            UsedQuotaSize = L(13),
            UsedQuotaFiles = I(14),
            LastQuotaUpdate = L(15),
            UploadBandwidth = L(16),
            DownloadBandwidth = L(17),
            LastLogin = L(18),
            AllowedIp = DataJson.DeserializeColumn<List<string>>(r.GetString(19), "allowed_ip"),
            DeniedIp = DataJson.DeserializeColumn<List<string>>(r.GetString(20), "denied_ip"),
        };
    }

    private static (string, object?)[] AdminParameters(Admin a) =>
    [
        ("@username", a.Username),
        ("@password", a.Password ?? ""),
        ("@status", a.Status),
        ("@email", a.Email ?? ""),
        ("@description", a.Description ?? ""),
    ];

    private static Admin ReadAdmin(DbDataReader r)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return new Admin
        {
            Id = Convert.ToInt64(r.GetValue(0), c),
            Username = r.GetString(1),
            Password = r.GetString(2),
            Status = Convert.ToInt32(r.GetValue(3), c),
            Email = r.GetString(4),
            Description = r.GetString(5),
            LastLogin = Convert.ToInt64(r.GetValue(6), c),
            SessionStamp = r.GetString(7),
        };
    }

    private static DataProviderException AdminNotFound(string username) =>
        new(DataProviderError.NotFound, $"admin '{username}' does not exist", "username");

    private static DataProviderException NotFound(string username) =>
        new(DataProviderError.NotFound, $"user '{username}' does not exist", "username");

    /// <summary>Runs <paramref name="operation"/> on an open connection; driver failures become <see cref="DataProviderError.Unavailable"/>.</summary>
    private protected async Task<T> ExecuteAsync<T>(Func<DbConnection, Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await operation(connection).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DbException or TimeoutException or System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException)
        {
            throw new DataProviderException(DataProviderError.Unavailable, $"{Driver} data provider: {ex.Message}", null, ex);
        }
    }
}
