using System.Net;
using System.Text;
using static Wharf.Server.Tests.Http.HttpTestHost;

namespace Wharf.Server.Tests.Http;

/// <summary>
/// Request bodies are parsed strictly: a member given twice is refused (not "last one wins", which
/// lets a body mean one thing to a proxy or validator and another to the server), and a body of the
/// wrong media type is told so.
/// </summary>
public sealed class StrictJsonTests
{
    [Theory]
    [InlineData("/api/v1/users", """{"username":"dup","username":"other","password":"pw-123456","home_dir":"/srv/dup"}""", "username")]
    [InlineData("/api/v1/users", """{"username":"dup","password":"pw-123456","home_dir":"/srv/dup","permissions":{"/":["*"],"/":["list"]}}""", "permissions")]
    [InlineData("/api/v1/users", """{"username":"dup","password":"pw-123456","home_dir":"/srv/dup","status":1,"status":0}""", "status")]
    [InlineData("/api/v1/admins", """{"username":"dup","password":"admin-password-9","password":"admin-password-8"}""", "password")]
    public async Task A_member_given_twice_is_400_naming_it_and_nothing_is_written(string path, string body, string field)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var response = await h.Client.PostAsync(path, Json(body), ct);
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, field, ct);
        Assert.Contains("duplicate", problem.GetProperty("detail").GetString()!, StringComparison.OrdinalIgnoreCase);
        Assert.Null(await h.Provider.GetUserAsync("dup", ct));
        Assert.Null(await h.Provider.GetAdminAsync("dup", ct));
    }

    [Fact]
    public async Task Duplicates_are_refused_on_updates_and_quota_bodies_too()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        string home = await h.AddUserAsync("carol", ct: ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/carol", Json($$"""{"home_dir":"{{home}}","quota_size":1,"quota_size":2}"""), ct), HttpStatusCode.BadRequest, "quota_size", ct);
        Assert.Equal(0, (await h.Provider.GetUserAsync("carol", ct))!.QuotaSize);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/carol/quota", Json("""{"used_quota_size":1,"used_quota_size":2}"""), ct), HttpStatusCode.BadRequest, "used_quota_size", ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/admins/" + AdminName, Json("""{"status":1,"status":0}"""), ct), HttpStatusCode.BadRequest, "status", ct);
        Assert.Equal(1, (await h.Provider.GetAdminAsync(AdminName, ct))!.Status);
    }

    [Fact]
    public async Task A_restore_with_a_member_given_twice_is_400_naming_it_and_restores_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        string dump = """{"users":[{"username":"twice","password":"pw-123456","home_dir":"/srv/a","home_dir":"/srv/b","permissions":{"/":["*"]}}]}""";
        using var response = await h.Client.PostAsync("/api/v1/loaddata", Json(dump), ct);
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "home_dir", ct);
        Assert.Contains("duplicate", problem.GetProperty("detail").GetString()!, StringComparison.OrdinalIgnoreCase);
        Assert.Null(await h.Provider.GetUserAsync("twice", ct));

        // The top level counts too: a second "admins" must not replace the first.
        using var admins = await h.Client.PostAsync("/api/v1/loaddata", Json("""{"users":[],"admins":[],"admins":[]}"""), ct);
        await AssertProblemAsync(admins, HttpStatusCode.BadRequest, "admins", ct);
    }

    [Fact]
    public async Task A_body_of_another_media_type_is_415_naming_application_json()
    {
        // Routing refused the body before the route ran, and the generic page then said the route did not exist.
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/api/v1/users"), (HttpMethod.Put, "/api/v1/users/x"), (HttpMethod.Post, "/api/v1/admins"), (HttpMethod.Post, "/api/v1/loaddata") })
        {
            using var request = new HttpRequestMessage(method, path) { Content = new StringContent("""{"username":"x"}""", Encoding.UTF8, "text/plain") };
            using var response = await h.Client.SendAsync(request, ct);
            var problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, null, ct);
            string detail = problem.GetProperty("detail").GetString()!;
            Assert.Contains("application/json", detail, StringComparison.Ordinal);
            Assert.Contains("text/plain", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("not a route", detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_known_route_with_another_method_is_405_saying_so()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/version");
        using var response = await h.Client.SendAsync(request, ct);
        var problem = await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, null, ct);
        Assert.DoesNotContain("not a route", problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        Assert.Contains("GET", string.Join(",", response.Content.Headers.Allow), StringComparison.Ordinal);

        var missing = await AssertProblemAsync(await h.Client.GetAsync("/api/v1/nope", ct), HttpStatusCode.NotFound, null, ct);
        Assert.Contains("not a route", missing.GetProperty("detail").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_web_login_form_with_a_field_given_twice_is_400_and_signs_nobody_in()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var raw = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = h.Http.Address };
        foreach (var body in new[] { $"username={AdminName}&username=x&password={AdminPassword}", $"username={AdminName}&password={AdminPassword}&password=x" })
        {
            using var response = await raw.PostAsync("/web/login", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"), ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.False(response.Headers.Contains("Set-Cookie"));
            Assert.Contains("more than once", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }
    }
}
