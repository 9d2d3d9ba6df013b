using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Wharf.Server.Data;
using Wharf.Server.Defense;

namespace Wharf.Server.Http.Api;

/// <summary>
/// The defender's hosts: list, inspect, unban — under /api/v1/defender/hosts and SFTPGo 2.x's
/// /api/v2/defender/hosts. A host's id is the hex encoding of its address as text (SFTPGo's),
/// or of its netblock (<c>network/prefix</c>) when netblocks are wider than one address.
/// </summary>
public static class DefenderEndpoints
{
    /// <summary>Maps the routes on <paramref name="api"/> (/api/v1 or /api/v2); <paramref name="v2"/> answers a delete as SFTPGo does (200 with a message).</summary>
    public static void Map(RouteGroupBuilder api, HttpDependencies deps, bool v2)
    {
        string suffix = v2 ? "V2" : "";
        var group = api.MapGroup("/defender/hosts").WithTags("defender");
        group.MapGet("/", async (HttpContext context) =>
        {
            if (deps.Defender is not { } defender)
            {
                return Results.Json(Array.Empty<DefenderHost>(), ApiJson.Output);
            }

            try
            {
                var hosts = await defender.GetHostsAsync(context.RequestAborted).ConfigureAwait(false);
                return Results.Json(hosts.Select(DefenderHost.From).ToList(), ApiJson.Output);
            }
            catch (DataProviderException ex)
            {
                return Problems.From(ex);
            }
        }).WithName("listDefenderHosts" + suffix).WithSummary("Hosts the defender has banned or scored (at most entries_hard_limit)")
            .Produces<List<DefenderHost>>().ProducesProblem(503);

        group.MapGet("/{id}", async (string id, HttpContext context) =>
        {
            if (Parse(deps, id, out var source) is { } problem)
            {
                return problem;
            }

            try
            {
                return await deps.Defender!.GetHostAsync(source, context.RequestAborted).ConfigureAwait(false) is { } entry
                    ? Results.Json(DefenderHost.From(entry), ApiJson.Output)
                    : Problems.NotFound($"host {source} is neither banned nor scored");
            }
            catch (DataProviderException ex)
            {
                return Problems.From(ex);
            }
        }).WithName("getDefenderHost" + suffix).WithSummary("One host: its score or its ban")
            .Produces<DefenderHost>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(503);

        var delete = group.MapDelete("/{id}", async (string id, HttpContext context) =>
        {
            if (Parse(deps, id, out var source) is { } problem)
            {
                return problem;
            }

            try
            {
                if (!await deps.Defender!.DeleteHostAsync(source, context.RequestAborted).ConfigureAwait(false))
                {
                    return Problems.NotFound($"host {source} is neither banned nor scored");
                }
            }
            catch (DataProviderException ex)
            {
                return Problems.From(ex);
            }

            return v2 ? Results.Json(new DefenderMessage("OK"), ApiJson.Output) : Results.NoContent();
        }).WithName("deleteDefenderHost" + suffix).WithSummary("Unbans a host and forgets its score and offences")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(503);
        if (v2)
        {
            delete.Produces<DefenderMessage>();
        }
        else
        {
            delete.Produces(204);
        }
    }

    private static IResult? Parse(HttpDependencies deps, string id, out Source source)
    {
        source = default;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromHexString(id));
        }
        catch (FormatException)
        {
            return Problems.BadRequest($"invalid host id '{id}': the hex encoding of an IP address, e.g. {Convert.ToHexStringLower(Encoding.UTF8.GetBytes("192.0.2.1"))}", "id");
        }

        if (deps.Defender is not { } defender)
        {
            return System.Net.IPAddress.TryParse(text, out _) ? Problems.NotFound("the defender is not enabled") : Problems.BadRequest($"ip address '{text}' is not valid", "id");
        }

        return defender.TryParseSource(text, out source)
            ? null
            : Problems.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"'{text}' is not an IP address (or a /{defender.Options.Ipv4Netblock} IPv4 or /{defender.Options.Ipv6Netblock} IPv6 netblock)"), "id");
    }
}

/// <summary>A defender host as SFTPGo 2.x's REST API shows it.</summary>
public sealed record DefenderHost
{
    /// <summary>The hex encoding of <see cref="Ip"/>.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>The address, or the netblock <c>network/prefix</c>.</summary>
    [JsonPropertyName("ip")] public required string Ip { get; init; }

    /// <summary>Its score within the observation window; left out when 0 (a ban clears it).</summary>
    [JsonPropertyName("score")] public int? Score { get; init; }

    /// <summary>When its ban ends (RFC 3339, UTC); left out when it is not banned.</summary>
    [JsonPropertyName("ban_time")] public string? BanTime { get; init; }

    /// <summary>The API view of <paramref name="entry"/>.</summary>
    public static DefenderHost From(DefenderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string ip = entry.Source.ToString();
        return new DefenderHost
        {
            Id = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(ip)),
            Ip = ip,
            Score = entry.Score > 0 ? entry.Score : null,
            BanTime = entry.BanUntil?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
    }
}

/// <summary>SFTPGo's answer to a delete.</summary>
public sealed record DefenderMessage([property: JsonPropertyName("message")] string Message);
