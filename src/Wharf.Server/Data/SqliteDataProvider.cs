using System.Data.Common;
using Microsoft.Data.Sqlite;
using Wharf.Server.Configuration;

namespace Wharf.Server.Data;

/// <summary>
/// Users and admins in a SQLite file (WAL journal; the file is created with mode 0600). Migrations take the
/// database write lock (BEGIN IMMEDIATE), so concurrent initialisations are serialised.
/// </summary>
public sealed class SqliteDataProvider : SqlDataProvider
{
    private static readonly SchemaMigration[] Steps =
    [
        new(1, "users table",
            """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                username TEXT NOT NULL UNIQUE,
                password TEXT NULL,
                public_keys TEXT NOT NULL DEFAULT '[]',
                status INTEGER NOT NULL DEFAULT 1,
                expiration_date INTEGER NOT NULL DEFAULT 0,
                home_dir TEXT NOT NULL,
                uid INTEGER NOT NULL DEFAULT 0,
                gid INTEGER NOT NULL DEFAULT 0,
                max_sessions INTEGER NOT NULL DEFAULT 0,
                quota_size INTEGER NOT NULL DEFAULT 0,
                quota_files INTEGER NOT NULL DEFAULT 0,
                permissions TEXT NOT NULL,
                used_quota_size INTEGER NOT NULL DEFAULT 0,
                used_quota_files INTEGER NOT NULL DEFAULT 0,
                upload_bandwidth INTEGER NOT NULL DEFAULT 0,
                download_bandwidth INTEGER NOT NULL DEFAULT 0,
                last_login INTEGER NOT NULL DEFAULT 0,
                allowed_ip TEXT NOT NULL DEFAULT '[]',
                denied_ip TEXT NOT NULL DEFAULT '[]'
            );
            """),
        new(2, "users.last_quota_update",
            "ALTER TABLE users ADD COLUMN last_quota_update INTEGER NOT NULL DEFAULT 0;"),
        new(3, "admins table",
            """
            CREATE TABLE admins (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                username TEXT NOT NULL UNIQUE,
                password TEXT NOT NULL,
                status INTEGER NOT NULL DEFAULT 1,
                email TEXT NOT NULL DEFAULT '',
                description TEXT NOT NULL DEFAULT '',
                last_login INTEGER NOT NULL DEFAULT 0
            );
            """),
        new(4, "admins.session_stamp",
            // Backfilled with random values: any token issued before the upgrade belonged to an older process and its key anyway.
            """
            ALTER TABLE admins ADD COLUMN session_stamp TEXT NOT NULL DEFAULT '';
            UPDATE admins SET session_stamp = lower(hex(randomblob(16)));
            """),
        new(5, "defender tables",
            """
            CREATE TABLE defender_hosts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                ip TEXT NOT NULL UNIQUE,
                ban_time INTEGER NOT NULL DEFAULT 0,
                updated_at INTEGER NOT NULL,
                offences INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE defender_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                date_time INTEGER NOT NULL,
                score INTEGER NOT NULL,
                host_id INTEGER NOT NULL REFERENCES defender_hosts (id) ON DELETE CASCADE
            );
            CREATE INDEX defender_hosts_updated_at_idx ON defender_hosts (updated_at);
            CREATE INDEX defender_hosts_ban_time_idx ON defender_hosts (ban_time);
            CREATE INDEX defender_events_date_time_idx ON defender_events (date_time);
            CREATE INDEX defender_events_host_id_idx ON defender_events (host_id);
            """),
    ];

    private readonly string _connectionString;
    private int _fileReady;

    /// <summary>A provider on the file <see cref="DataProviderConfig.Name"/>, relative to <paramref name="configDirectory"/> unless absolute.</summary>
    public SqliteDataProvider(DataProviderConfig config, string configDirectory)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (string.IsNullOrWhiteSpace(config.Name))
        {
            throw new DataProviderException(DataProviderError.Validation, "name: the SQLite database file is required", "name");
        }

        DatabasePath = Path.GetFullPath(config.Name, Path.GetFullPath(configDirectory ?? "."));
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <inheritdoc/>
    public override string Driver => "sqlite";

    /// <summary>The absolute path of the database file.</summary>
    public string DatabasePath { get; }

    private protected override IReadOnlyList<SchemaMigration> Migrations => Steps;

    private protected override string SchemaVersionTableSql =>
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL);";

    private protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        EnsureFile();
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private protected override async Task PrepareAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await NonQueryAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);

    private protected override async Task<bool> SchemaVersionTableExistsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var cmd = Command(connection, null, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @n", ("@n", "schema_version"));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default for non-deferred transactions) already holds the write lock.
    private protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    private protected override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19 };

    /// <inheritdoc/>
    public override ValueTask DisposeAsync()
    {
        using (var c = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(c);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Creates the database file owner-only before SQLite does (SQLite gives its WAL files the same mode).</summary>
    private void EnsureFile()
    {
        if (Volatile.Read(ref _fileReady) == 1)
        {
            return;
        }

        if (!File.Exists(DatabasePath))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            try
            {
                using var _ = new FileStream(DatabasePath, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
            catch (IOException) when (File.Exists(DatabasePath))
            {
                // Created concurrently.
            }
        }

        Volatile.Write(ref _fileReady, 1);
    }
}
