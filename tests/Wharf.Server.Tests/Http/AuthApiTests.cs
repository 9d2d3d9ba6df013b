using System.Net;
using System.Net.Http.Headers;
using Wharf.Server.Http.Auth;
using static Wharf.Server.Tests.Http.HttpTestHost;

namespace Wharf.Server.Tests.Http;

public sealed class AuthApiTests
{
    /// <summary>A clock the test moves by hand, to expire tokens without waiting.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static async Task AssertUnauthorizedAsync(HttpClient client, string path, string? authorization, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.SendAsync(request, ct);
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, null, ct);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task Routes_in_another_letter_case_are_protected_too()
    {
        // The router matches paths case-insensitively; authentication once compared them ordinally,
        // and /API/V1/users answered without a token.
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        foreach (var path in new[] { "/API/V1/users", "/Api/v1/Users", "/api/V1/connections", "/METRICS", "/Api/V1/dumpdata", "/api/v1/Token/../users", "/x/../api/v1/users" })
        {
            using var response = await h.Anonymous.GetAsync(path, ct);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode}");
        }

        using var web = await h.Anonymous.GetAsync("/WEB/users", ct);
        Assert.Equal("/web/login", web.RequestMessage?.RequestUri?.AbsolutePath);
    }

    [Fact]
    public async Task Every_api_route_needs_a_valid_token()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        foreach (var path in new[] { "/api/v1/users", "/api/v1/users/x", "/api/v1/connections", "/api/v1/quota-scans", "/api/v1/dumpdata", "/api/v1/version", "/api/v1/health", "/api/v1/openapi.json", "/api/v1/admins", "/api/v1/nope" })
        {
            await AssertUnauthorizedAsync(h.Anonymous, path, null, ct);
            await AssertUnauthorizedAsync(h.Anonymous, path, "Bearer not-a-token", ct);
            await AssertUnauthorizedAsync(h.Anonymous, path, "Bearer " + new string('x', 5000), ct);
        }

        // Basic is accepted only to get a token.
        await AssertUnauthorizedAsync(h.Anonymous, "/api/v1/users", Basic(AdminName, AdminPassword).ToString(), ct);
        // A token signed by another server's key is refused, even with the admin's real stamp.
        var (foreign, _) = new AdminTokens().Issue(AdminName, (await h.Admins.GetAsync(AdminName, ct))!.SessionStamp);
        await AssertUnauthorizedAsync(h.Anonymous, "/api/v1/users", "Bearer " + foreign, ct);
        // Wrong password and unknown admin: 401 on /token too.
        await AssertUnauthorizedAsync(h.Anonymous, "/api/v1/token", Basic(AdminName, "wrong").ToString(), ct);
        await AssertUnauthorizedAsync(h.Anonymous, "/api/v1/token", Basic("nobody", AdminPassword).ToString(), ct);
        await AssertUnauthorizedAsync(h.Anonymous, "/api/v1/token", "Basic !!!", ct);
        await AssertUnauthorizedAsync(h.Anonymous, "/api/v1/token", null, ct);
        Assert.Contains(File.ReadAllLines(h.LogPath), l => l.Contains("\"sender\":\"connection_failed\"", StringComparison.Ordinal) && l.Contains("\"login_type\":\"http_basic\"", StringComparison.Ordinal) && l.Contains("\"username\":\"nobody\"", StringComparison.Ordinal));

        // /healthz is public (load balancers); /api/v1/health is not.
        using var healthz = await h.Anonymous.GetAsync("/healthz", ct);
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal("ok\n", await healthz.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task Token_expires()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new ManualClock();
        await using var h = await StartAsync(tokens: new AdminTokens(TimeSpan.FromMinutes(20), clock), ct: ct);
        using var ok = await h.Client.GetAsync("/api/v1/version", ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        clock.Now += TimeSpan.FromMinutes(19);
        Assert.Equal(HttpStatusCode.OK, (await h.Client.GetAsync("/api/v1/version", ct)).StatusCode);
        clock.Now += TimeSpan.FromMinutes(2);
        await AssertUnauthorizedAsync(h.Client, "/api/v1/version", h.Client.DefaultRequestHeaders.Authorization!.ToString(), ct);
    }

    [Fact]
    public async Task Logout_revokes_only_that_token()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        string other = await h.TokenAsync(AdminName, AdminPassword, ct);
        using var logout = await h.Client.PostAsync("/api/v1/logout", null, ct);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        await AssertUnauthorizedAsync(h.Anonymous, "/api/v1/users", h.Client.DefaultRequestHeaders.Authorization!.ToString(), ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", other);
        Assert.Equal(HttpStatusCode.OK, (await h.Anonymous.SendAsync(request, ct)).StatusCode);
    }

    [Fact]
    public async Task Disabling_an_admin_ends_its_tokens_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        Assert.Equal(HttpStatusCode.OK, (await h.Client.GetAsync("/api/v1/users", ct)).StatusCode);
        // The last active admin cannot be disabled, so a second one does it through the API.
        await h.Admins.AddAsync(new Wharf.Server.Accounts.Admin { Username = "second", Password = "second-password" }, ct);
        using var second = new HttpClient { BaseAddress = h.Http.Address };
        second.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await h.TokenAsync("second", "second-password", ct));
        using var disable = await second.PutAsync("/api/v1/admins/" + AdminName, Json("""{"status":0}"""), ct);
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        await AssertUnauthorizedAsync(h.Anonymous, "/api/v1/users", h.Client.DefaultRequestHeaders.Authorization!.ToString(), ct);
        await AssertUnauthorizedAsync(h.Anonymous, "/api/v1/token", Basic(AdminName, AdminPassword).ToString(), ct);
    }

    [Fact]
    public async Task Version_and_health()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        var version = await ReadJsonAsync(await h.Client.GetAsync("/api/v1/version", ct), ct);
        Assert.StartsWith("0.1.0", version.GetProperty("version").GetString(), StringComparison.Ordinal);
        var health = await ReadJsonAsync(await h.Client.GetAsync("/api/v1/health", ct), ct);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.True(health.GetProperty("data_provider_available").GetBoolean());
        Assert.Equal(0, health.GetProperty("active_connections").GetInt32());
    }
}
