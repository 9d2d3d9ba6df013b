using System.Data.Common;
using System.Globalization;
using Wharf.Server.Defense;

namespace Wharf.Server.Data;

/// <summary>The defender's tables (schema version 5): defender_hosts and defender_events, shared by every node on the database.</summary>
public abstract partial class SqlDataProvider : IDefenderStore
{
    private const string HostScoreSql =
        "SELECT h.ip, COALESCE((SELECT SUM(e.score) FROM defender_events e WHERE e.host_id = h.id AND e.date_time >= @from), 0), h.ban_time, h.offences FROM defender_hosts h";

    /// <inheritdoc/>
    public Task<DefenderHostRow> AddDefenderEventAsync(string ip, int score, long nowMs, long windowStartMs, CancellationToken cancellationToken = default) =>
        ExecuteAsync(async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var upsert = Command(connection, tx,
                "INSERT INTO defender_hosts (ip, ban_time, updated_at, offences) VALUES (@ip, 0, @now, 0) ON CONFLICT (ip) DO UPDATE SET updated_at = excluded.updated_at",
                ("@ip", ip), ("@now", nowMs)))
            {
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var insert = Command(connection, tx,
                "INSERT INTO defender_events (date_time, score, host_id) VALUES (@now, @score, (SELECT id FROM defender_hosts WHERE ip = @ip))",
                ("@now", nowMs), ("@score", score), ("@ip", ip)))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            DefenderHostRow row;
            await using (var select = Command(connection, tx, HostScoreSql + " WHERE h.ip = @ip", ("@from", windowStartMs), ("@ip", ip)))
            {
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                row = ReadHost(reader);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return row;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> BanDefenderHostAsync(string ip, long untilMs, int offences, int previousOffences, long nowMs, CancellationToken cancellationToken = default) =>
        ExecuteAsync(async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            int rows;
            await using (var ban = Command(connection, tx,
                "UPDATE defender_hosts SET ban_time = @until, offences = @offences, updated_at = @now WHERE ip = @ip AND ban_time <= @now AND offences = @previous",
                ("@until", untilMs), ("@offences", offences), ("@now", nowMs), ("@ip", ip), ("@previous", previousOffences)))
            {
                rows = await ban.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (rows > 0)
            {
                await using var clear = Command(connection, tx, "DELETE FROM defender_events WHERE host_id = (SELECT id FROM defender_hosts WHERE ip = @ip)", ("@ip", ip));
                await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return rows > 0;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task ExtendDefenderBanAsync(string ip, long byMs, long capMs, long nowMs, CancellationToken cancellationToken = default) =>
        ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null,
                "UPDATE defender_hosts SET ban_time = CASE WHEN ban_time + @by > @cap THEN (CASE WHEN ban_time > @cap THEN ban_time ELSE @cap END) ELSE ban_time + @by END WHERE ip = @ip AND ban_time > @now",
                ("@by", byMs), ("@cap", capMs), ("@ip", ip), ("@now", nowMs));
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<DefenderHostRow>> ListDefenderHostsAsync(long nowMs, long windowStartMs, int limit, CancellationToken cancellationToken = default) =>
        ExecuteAsync<IReadOnlyList<DefenderHostRow>>(async connection =>
        {
            await using var cmd = Command(connection, null,
                HostScoreSql + " WHERE h.ban_time > @now OR EXISTS (SELECT 1 FROM defender_events e WHERE e.host_id = h.id AND e.date_time >= @from) ORDER BY h.updated_at DESC LIMIT @limit",
                ("@from", windowStartMs), ("@now", nowMs), ("@limit", (long)limit));
            return await ReadHostsAsync(cmd, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<DefenderHostRow?> GetDefenderHostAsync(string ip, long nowMs, long windowStartMs, CancellationToken cancellationToken = default) =>
        ExecuteAsync(async connection =>
        {
            await using var cmd = Command(connection, null,
                HostScoreSql + " WHERE h.ip = @ip AND (h.ban_time > @now OR EXISTS (SELECT 1 FROM defender_events e WHERE e.host_id = h.id AND e.date_time >= @from))",
                ("@from", windowStartMs), ("@now", nowMs), ("@ip", ip));
            var rows = await ReadHostsAsync(cmd, cancellationToken).ConfigureAwait(false);
            return rows.Count > 0 ? rows[0] : null;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<DefenderHostRow>> ListDefenderBansAsync(long nowMs, CancellationToken cancellationToken = default) =>
        ExecuteAsync<IReadOnlyList<DefenderHostRow>>(async connection =>
        {
            await using var cmd = Command(connection, null, "SELECT h.ip, 0, h.ban_time, h.offences FROM defender_hosts h WHERE h.ban_time > @now", ("@now", nowMs));
            return await ReadHostsAsync(cmd, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public async Task<bool> DeleteDefenderHostAsync(string ip, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var events = Command(connection, tx, "DELETE FROM defender_events WHERE host_id = (SELECT id FROM defender_hosts WHERE ip = @ip)", ("@ip", ip)))
            {
                await events.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            int rows;
            await using (var host = Command(connection, tx, "DELETE FROM defender_hosts WHERE ip = @ip", ("@ip", ip)))
            {
                rows = await host.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return rows;
        }, cancellationToken).ConfigureAwait(false) > 0;

    /// <inheritdoc/>
    public Task CleanupDefenderAsync(long eventsBeforeMs, long bansEndedBeforeMs, CancellationToken cancellationToken = default) =>
        ExecuteAsync(async connection =>
        {
            await using (var events = Command(connection, null, "DELETE FROM defender_events WHERE date_time < @before", ("@before", eventsBeforeMs)))
            {
                await events.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var hosts = Command(connection, null,
                "DELETE FROM defender_hosts WHERE ban_time < @ended AND NOT EXISTS (SELECT 1 FROM defender_events e WHERE e.host_id = defender_hosts.id)",
                ("@ended", bansEndedBeforeMs));
            return await hosts.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private static async Task<IReadOnlyList<DefenderHostRow>> ReadHostsAsync(DbCommand cmd, CancellationToken cancellationToken)
    {
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<DefenderHostRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ReadHost(reader));
        }

        return rows;
    }

    private static DefenderHostRow ReadHost(DbDataReader r) => new(
        r.GetString(0),
        Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture),
        Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture),
        Convert.ToInt32(r.GetValue(3), CultureInfo.InvariantCulture));
}
