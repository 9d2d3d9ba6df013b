using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Wharf.Server.Tests.Http.HttpTestHost;

namespace Wharf.Server.Tests.Http;

/// <summary>
/// docs/openapi.json must be what the server serves. After changing a route, regenerate it with
/// <c>WHARF_UPDATE_OPENAPI=1 dotnet test tests/Wharf.Server.Tests -c Release --filter "FullyQualifiedName~OpenApiDocument"</c>.
/// </summary>
public sealed class OpenApiDocumentTests
{
    private static string RepoFile()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Wharf.slnx")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return Path.Combine(dir.FullName, "docs", "openapi.json");
    }

    private static string Normalise(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";

    [Fact]
    public async Task The_served_document_is_the_one_in_the_repository()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var response = await h.Client.GetAsync("/api/v1/openapi.json", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        string path = RepoFile();
        if (Environment.GetEnvironmentVariable("WHARF_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, Normalise(served), ct);
        }

        Assert.True(File.Exists(path), $"{path} is missing; create it with WHARF_UPDATE_OPENAPI=1 (see {nameof(OpenApiDocumentTests)})");
        var stored = JsonNode.Parse(await File.ReadAllTextAsync(path, ct))!;
        Assert.True(JsonNode.DeepEquals(served, stored),
            $"docs/openapi.json differs from the document the server serves. Regenerate it: WHARF_UPDATE_OPENAPI=1 dotnet test tests/Wharf.Server.Tests -c Release --filter \"FullyQualifiedName~OpenApiDocument\"");
    }

    [Fact]
    public async Task The_document_describes_routes_bodies_and_security()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        var doc = JsonNode.Parse(await h.Client.GetStringAsync("/api/v1/openapi.json", ct))!;
        Assert.StartsWith("3.1", doc["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        var paths = doc["paths"]!.AsObject();
        foreach (var route in new[] { "/api/v1/token", "/api/v1/users", "/api/v1/users/{username}", "/api/v1/users/{username}/quota-scan", "/api/v1/users/{username}/quota", "/api/v1/quota-scans", "/api/v1/connections", "/api/v1/connections/{connectionId}", "/api/v1/dumpdata", "/api/v1/loaddata", "/api/v1/admins", "/api/v1/admins/{username}", "/api/v1/version", "/api/v1/health", "/api/v1/logout" })
        {
            Assert.True(paths.ContainsKey(route), route);
        }

        Assert.False(paths.ContainsKey("/metrics"));
        var schemes = doc["components"]!["securitySchemes"]!;
        Assert.Equal("bearer", schemes["bearer"]!["scheme"]!.GetValue<string>());
        Assert.Equal("basic", schemes["basic"]!["scheme"]!.GetValue<string>());
        Assert.True(paths["/api/v1/token"]!["get"]!["security"]![0]!.AsObject().ContainsKey("basic"));
        Assert.True(paths["/api/v1/users"]!["get"]!["security"]![0]!.AsObject().ContainsKey("bearer"));
        var addUser = paths["/api/v1/users"]!["post"]!;
        Assert.NotNull(addUser["requestBody"]!["content"]!["application/json"]);
        Assert.NotNull(addUser["responses"]!["400"]!["content"]!["application/problem+json"]);
        var user = doc["components"]!["schemas"]!["User"]!["properties"]!.AsObject();
        foreach (var field in new[] { "username", "home_dir", "permissions", "allowed_ip", "quota_size" })
        {
            Assert.True(user.ContainsKey(field), field);
        }

        Assert.Null(doc["servers"]); // no port of whichever instance served it
    }
}
