using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Wharf.Sftp;

namespace Wharf.Server.Http.Api;

/// <summary>/api/v1/connections: the active SSH connections, and closing one.</summary>
public static class ConnectionEndpoints
{
    /// <summary>Maps the routes on the /api/v1 group.</summary>
    public static void Map(RouteGroupBuilder api, HttpDependencies deps)
    {
        var group = api.MapGroup("/connections").WithTags("connections");
        group.MapGet("/", () => TypedResults.Json(deps.Service.Sftp.Connections.Select(ConnectionStatus.From).OrderBy(c => c.ConnectionTime).ToList(), ApiJson.Output))
            .WithName("listConnections").WithSummary("Active connections, oldest first")
            .Produces<List<ConnectionStatus>>();
        group.MapDelete("/{connectionId}", async (string connectionId) =>
        {
            var connection = deps.Service.Sftp.Connections.FirstOrDefault(c => c.Id == connectionId);
            if (connection is null)
            {
                return Problems.NotFound($"no active connection '{connectionId}'");
            }

            await connection.DisconnectAsync("closed by an administrator").ConfigureAwait(false);
            return TypedResults.NoContent();
        }).WithName("closeConnection").WithSummary("Disconnects a client at once").Produces(204).ProducesProblem(404);
    }
}

/// <summary>One active connection, as the API reports it (SFTPGo's field names).</summary>
public sealed record ConnectionStatus
{
    [JsonPropertyName("connection_id")] public required string ConnectionId { get; init; }

    /// <summary>Empty until the client has authenticated.</summary>
    [JsonPropertyName("username")] public string Username { get; init; } = "";
    [JsonPropertyName("client_version")] public string ClientVersion { get; init; } = "";
    [JsonPropertyName("remote_address")] public string RemoteAddress { get; init; } = "";

    /// <summary>Unix time in milliseconds.</summary>
    [JsonPropertyName("connection_time")] public long ConnectionTime { get; init; }

    /// <summary>SFTP once the subsystem started, otherwise SSH.</summary>
    [JsonPropertyName("protocol")] public string Protocol { get; init; } = "SSH";

    /// <summary>The SFTP version negotiated; 0 before SFTP starts.</summary>
    [JsonPropertyName("sftp_version")] public int SftpVersion { get; init; }

    /// <summary>Builds the view of <paramref name="c"/>.</summary>
    public static ConnectionStatus From(SftpConnection c) => new()
    {
        ConnectionId = c.Id,
        Username = c.UserName ?? "",
        ClientVersion = c.ClientVersion ?? "",
        RemoteAddress = c.RemoteEndPoint.ToString(),
        ConnectionTime = c.StartTime.ToUnixTimeMilliseconds(),
        Protocol = c.ProtocolVersion > 0 ? "SFTP" : "SSH",
        SftpVersion = c.ProtocolVersion,
    };
}
