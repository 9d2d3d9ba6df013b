using System.Diagnostics;
using Npgsql;

namespace Wharf.Server.Tests.Data;

/// <summary>
/// A real PostgreSQL server: WHARF_TEST_POSTGRES when set, else the one scripts/start-postgres.sh
/// starts (installing it if needed). Failing to reach it fails the tests. Each store gets its own
/// schema (dropped at the end), so runs and classes never collide.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly List<string> _schemas = [];

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("WHARF_TEST_POSTGRES");
        ConnectionString = fromEnv is { Length: > 0 } ? fromEnv : await StartServerAsync();
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
    }

    /// <summary>A connection string whose search path is a new, empty schema.</summary>
    public async Task<string> NewSchemaAsync()
    {
        string schema = "t_" + Guid.NewGuid().ToString("N");
        await using (var dataSource = NpgsqlDataSource.Create(ConnectionString))
        {
            await using var cmd = dataSource.CreateCommand($"CREATE SCHEMA {schema}");
            await cmd.ExecuteNonQueryAsync();
        }

        lock (_schemas)
        {
            _schemas.Add(schema);
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        foreach (var schema in _schemas)
        {
            await using var cmd = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await cmd.ExecuteNonQueryAsync();
        }
    }

    private static async Task<string> StartServerAsync()
    {
        string script = Path.Combine(TestUsers.RepositoryRoot(), "scripts", "start-postgres.sh");
        var psi = new ProcessStartInfo("bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot run " + script);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        string output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} exited with {process.ExitCode}: {await stderr}");
        }

        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
    }
}
