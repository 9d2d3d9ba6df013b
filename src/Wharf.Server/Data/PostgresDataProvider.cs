using System.Data.Common;
using Npgsql;
using Wharf.Server.Configuration;

namespace Wharf.Server.Data;

/// <summary>
/// Users and admins in PostgreSQL, pooled through one <see cref="NpgsqlDataSource"/>. Several nodes may share
/// the database: migrations run in one transaction under a transaction-scoped advisory lock.
/// </summary>
public sealed class PostgresDataProvider : SqlDataProvider
{
    /// <summary>The pg_advisory_xact_lock key serialising migrations ("wharfmig").</summary>
    public const long MigrationLockKey = 0x7768_6172_666D_6967;

    private static readonly SchemaMigration[] Steps =
    [
        new(1, "users table",
            """
            CREATE TABLE users (
                id BIGSERIAL PRIMARY KEY,
                username TEXT NOT NULL UNIQUE,
                password TEXT NULL,
                public_keys TEXT NOT NULL DEFAULT '[]',
                status INTEGER NOT NULL DEFAULT 1,
                expiration_date BIGINT NOT NULL DEFAULT 0,
                home_dir TEXT NOT NULL,
                uid INTEGER NOT NULL DEFAULT 0,
                gid INTEGER NOT NULL DEFAULT 0,
                max_sessions INTEGER NOT NULL DEFAULT 0,
                quota_size BIGINT NOT NULL DEFAULT 0,
                quota_files INTEGER NOT NULL DEFAULT 0,
                permissions TEXT NOT NULL,
                used_quota_size BIGINT NOT NULL DEFAULT 0,
                used_quota_files INTEGER NOT NULL DEFAULT 0,
                upload_bandwidth BIGINT NOT NULL DEFAULT 0,
                download_bandwidth BIGINT NOT NULL DEFAULT 0,
                last_login BIGINT NOT NULL DEFAULT 0,
                allowed_ip TEXT NOT NULL DEFAULT '[]',
                denied_ip TEXT NOT NULL DEFAULT '[]'
            );
            """),
        new(2, "users.last_quota_update",
            "ALTER TABLE users ADD COLUMN last_quota_update BIGINT NOT NULL DEFAULT 0;"),
        new(3, "admins table",
            """
            CREATE TABLE admins (
                id BIGSERIAL PRIMARY KEY,
                username TEXT NOT NULL UNIQUE,
                password TEXT NOT NULL,
                status INTEGER NOT NULL DEFAULT 1,
                email TEXT NOT NULL DEFAULT '',
                description TEXT NOT NULL DEFAULT '',
                last_login BIGINT NOT NULL DEFAULT 0
            );
            """),
        new(4, "admins.session_stamp",
            // md5 of random(): the stamp only has to differ from every earlier one, it is no secret (tokens are signed).
            """
            ALTER TABLE admins ADD COLUMN session_stamp TEXT NOT NULL DEFAULT '';
            UPDATE admins SET session_stamp = md5(random()::text || clock_timestamp()::text || id::text);
            """),
        new(5, "defender tables",
            // SFTPGo's defender_hosts and defender_events (times in Unix ms), plus offences for bans that grow on repeat.
            """
            CREATE TABLE defender_hosts (
                id BIGSERIAL PRIMARY KEY,
                ip VARCHAR(50) NOT NULL UNIQUE,
                ban_time BIGINT NOT NULL DEFAULT 0,
                updated_at BIGINT NOT NULL,
                offences INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE defender_events (
                id BIGSERIAL PRIMARY KEY,
                date_time BIGINT NOT NULL,
                score INTEGER NOT NULL,
                host_id BIGINT NOT NULL REFERENCES defender_hosts (id) ON DELETE CASCADE
            );
            CREATE INDEX defender_hosts_updated_at_idx ON defender_hosts (updated_at);
            CREATE INDEX defender_hosts_ban_time_idx ON defender_hosts (ban_time);
            CREATE INDEX defender_events_date_time_idx ON defender_events (date_time);
            CREATE INDEX defender_events_host_id_idx ON defender_events (host_id);
            """),
    ];

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>
    /// A provider from <see cref="DataProviderConfig.ConnectionString"/> when set, else from host,
    /// port, username, password, name (the database) and sslmode; pool_size caps the pool.
    /// </summary>
    /// <exception cref="DataProviderException">Validation, naming the bad option.</exception>
    public PostgresDataProvider(DataProviderConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _dataSource = NpgsqlDataSource.Create(BuildConnectionString(config));
    }

    /// <inheritdoc/>
    public override string Driver => "postgresql";

    private protected override IReadOnlyList<SchemaMigration> Migrations => Steps;

    private protected override string UsernameOrder => "username COLLATE \"C\"";

    private protected override string SchemaVersionTableSql =>
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL);";

    /// <summary>The Npgsql connection string built from the configuration (password included).</summary>
    internal static string BuildConnectionString(DataProviderConfig config)
    {
        NpgsqlConnectionStringBuilder builder;
        if (config.ConnectionString.Length > 0)
        {
            try
            {
                builder = new NpgsqlConnectionStringBuilder(config.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                throw new DataProviderException(DataProviderError.Validation, $"connection_string: {ex.Message}", "connection_string", ex);
            }
        }
        else
        {
            if (config.Host.Length == 0)
            {
                throw new DataProviderException(DataProviderError.Validation, "host: required for postgresql (or set connection_string)", "host");
            }

            if (config.Port is < 1 or > 65535)
            {
                throw new DataProviderException(DataProviderError.Validation, $"port: {config.Port} is not a valid port", "port");
            }

            if (config.Name.Length == 0)
            {
                throw new DataProviderException(DataProviderError.Validation, "name: the database name is required", "name");
            }

            builder = new NpgsqlConnectionStringBuilder
            {
                Host = config.Host,
                Port = config.Port,
                Database = config.Name,
                SslMode = config.SslMode switch
                {
                    0 => SslMode.Disable,
                    1 => SslMode.Require,
                    2 => SslMode.VerifyCA,
                    3 => SslMode.VerifyFull,
                    _ => throw new DataProviderException(DataProviderError.Validation, $"sslmode: {config.SslMode} must be 0, 1, 2 or 3", "sslmode"),
                },
            };
            if (config.Username.Length > 0)
            {
                builder.Username = config.Username;
            }

            if (config.Password.Length > 0)
            {
                builder.Password = config.Password;
            }
        }

        if (config.PoolSize < 0)
        {
            throw new DataProviderException(DataProviderError.Validation, $"pool_size: {config.PoolSize} must not be negative", "pool_size");
        }

        if (config.PoolSize > 0)
        {
            builder.Pooling = true;
            builder.MaxPoolSize = config.PoolSize;
            builder.MinPoolSize = Math.Min(builder.MinPoolSize, config.PoolSize);
        }

        return builder.ConnectionString;
    }

    private protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    private protected override async Task<bool> SchemaVersionTableExistsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var cmd = Command(connection, null, "SELECT to_regclass(@n) IS NOT NULL", ("@n", "schema_version"));
        return (bool)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var cmd = Command(connection, transaction, "SELECT pg_advisory_xact_lock(@k)", ("@k", MigrationLockKey));
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private protected override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <inheritdoc/>
    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
