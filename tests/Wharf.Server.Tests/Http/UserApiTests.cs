using System.Net;
using System.Text;
using System.Text.Json;
using static Wharf.Server.Tests.Http.HttpTestHost;

namespace Wharf.Server.Tests.Http;

public sealed class UserApiTests
{
    [Fact]
    public async Task Add_get_update_delete_never_showing_the_password()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        string home = await h.AddUserAsync("alice", ""","quota_size":1000,"allowed_ip":["192.0.2.0/24"],"permissions":{"/":["list","download"]}""", ct);
        using var get = await h.Client.GetAsync("/api/v1/users/alice", ct);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("application/json", get.Content.Headers.ContentType?.MediaType);
        var user = await ReadJsonAsync(get, ct);
        Assert.Equal(home, user.GetProperty("home_dir").GetString());
        Assert.Equal(1000, user.GetProperty("quota_size").GetInt64());
        Assert.False(user.TryGetProperty("password", out _));
        Assert.StartsWith("$argon2id$", (await h.Provider.GetUserAsync("alice", ct))!.Password, StringComparison.Ordinal);
        string hash = (await h.Provider.GetUserAsync("alice", ct))!.Password!;

        // An update without a password keeps it; the used quota is kept as well.
        await h.Provider.UpdateQuotaAsync("alice", 77, 3, reset: true, ct);
        using var put = await h.Client.PutAsync("/api/v1/users/alice", Json($$$"""{"home_dir":"{{{home}}}","quota_size":5000,"permissions":{"/":["*"]}}"""), ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var updated = await ReadJsonAsync(put, ct);
        Assert.Equal(5000, updated.GetProperty("quota_size").GetInt64());
        Assert.Equal(77, updated.GetProperty("used_quota_size").GetInt64());
        Assert.False(updated.TryGetProperty("password", out _));
        Assert.Equal(hash, (await h.Provider.GetUserAsync("alice", ct))!.Password);

        using var delete = await h.Client.DeleteAsync("/api/v1/users/alice", ct);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Null(await h.Provider.GetUserAsync("alice", ct));
        await AssertProblemAsync(await h.Client.DeleteAsync("/api/v1/users/alice", ct), HttpStatusCode.NotFound, null, ct);
        await AssertProblemAsync(await h.Client.GetAsync("/api/v1/users/alice", ct), HttpStatusCode.NotFound, null, ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/alice", Json($$"""{"home_dir":"{{home}}"}"""), ct), HttpStatusCode.NotFound, null, ct);
    }

    [Fact]
    public async Task List_pages_and_orders_by_username()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        foreach (var name in new[] { "carol", "alice", "erin", "bob", "dave" })
        {
            await h.AddUserAsync(name, ct: ct);
        }

        async Task<string[]> NamesAsync(string query)
        {
            using var r = await h.Client.GetAsync("/api/v1/users" + query, ct);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            var list = await ReadJsonAsync(r, ct);
            Assert.All(list.EnumerateArray(), u => Assert.False(u.TryGetProperty("password", out _)));
            return list.EnumerateArray().Select(u => u.GetProperty("username").GetString()!).ToArray();
        }

        Assert.Equal(["alice", "bob", "carol", "dave", "erin"], await NamesAsync(""));
        Assert.Equal(["alice", "bob"], await NamesAsync("?limit=2"));
        Assert.Equal(["carol", "dave"], await NamesAsync("?offset=2&limit=2"));
        Assert.Equal(["erin"], await NamesAsync("?offset=4&limit=2"));
        Assert.Empty(await NamesAsync("?offset=10"));
        Assert.Equal(["erin", "dave", "carol"], await NamesAsync("?order=DESC&limit=3"));
        Assert.Equal(["bob", "alice"], await NamesAsync("?order=DESC&offset=3"));
        await AssertProblemAsync(await h.Client.GetAsync("/api/v1/users?offset=-1", ct), HttpStatusCode.BadRequest, "offset", ct);
        await AssertProblemAsync(await h.Client.GetAsync("/api/v1/users?offset=abc", ct), HttpStatusCode.BadRequest, "offset", ct);
        await AssertProblemAsync(await h.Client.GetAsync("/api/v1/users?limit=0", ct), HttpStatusCode.BadRequest, "limit", ct);
        await AssertProblemAsync(await h.Client.GetAsync("/api/v1/users?limit=501", ct), HttpStatusCode.BadRequest, "limit", ct);
        await AssertProblemAsync(await h.Client.GetAsync("/api/v1/users?order=sideways", ct), HttpStatusCode.BadRequest, "order", ct);
    }

    [Theory]
    [InlineData("""{"username":"bob","pasword":"x","home_dir":"/tmp/b"}""", "pasword")]
    [InlineData("""{"username":"bob","password":"pw123456","home_dir":"/tmp/b","allowed_ip":["10.0.0.0/33"]}""", "allowed_ip")]
    [InlineData("""{"username":"bob","password":"pw123456","home_dir":"/tmp/b","denied_ip":["not-an-ip"]}""", "denied_ip")]
    [InlineData("""{"username":"bob","password":"pw123456","home_dir":"/tmp/b","permissions":{"/":["list","fly"]}}""", "permissions")]
    [InlineData("""{"username":"bob","password":"pw123456","home_dir":"relative/home"}""", "home_dir")]
    [InlineData("""{"username":"","password":"pw123456","home_dir":"/tmp/b"}""", "username")]
    [InlineData("""{"username":"bob","password":"pw123456","home_dir":"/tmp/b","quota_size":"big"}""", "quota_size")]
    [InlineData("""{"username":"bob","password":"pw123456","home_dir":"/tmp/b","quota_files":-1}""", "quota_files")]
    [InlineData("""{"username":"alice","password":"pw123456","home_dir":"/tmp/a2"}""", "username")] // duplicate
    [InlineData("""{"username":"bob",""", null)]
    [InlineData("", null)]
    public async Task Bad_user_bodies_get_400_naming_the_field(string body, string? field)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        await h.AddUserAsync("alice", ct: ct);
        using var response = await h.Client.PostAsync("/api/v1/users", Json(body), ct);
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, field, ct);
        if (field is null)
        {
            Assert.False(problem.TryGetProperty("field", out _));
        }

        Assert.Null(await h.Provider.GetUserAsync("bob", ct));
    }

    [Fact]
    public async Task Wrong_content_type_oversize_body_unknown_route_and_method_are_problems()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var text = new StringContent("""{"username":"bob","home_dir":"/tmp/b"}""", Encoding.UTF8, "text/plain");
        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/users", text, ct), HttpStatusCode.UnsupportedMediaType, null, ct);

        string big = "{\"username\":\"bob\",\"home_dir\":\"/tmp/b\",\"public_keys\":[\"" + new string('a', 2 * 1024 * 1024) + "\"]}";
        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/users", Json(big), ct), HttpStatusCode.RequestEntityTooLarge, null, ct);

        // Chunked (no Content-Length): Kestrel stops reading at the limit.
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/v1/users") { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))) };
        chunked.Content.Headers.ContentType = new("application/json");
        chunked.Headers.TransferEncodingChunked = true;
        await AssertProblemAsync(await h.Client.SendAsync(chunked, ct), HttpStatusCode.RequestEntityTooLarge, null, ct);

        await AssertProblemAsync(await h.Client.GetAsync("/api/v1/nope", ct), HttpStatusCode.NotFound, null, ct);
        using var patch = await h.Client.PatchAsync("/api/v1/users/alice", Json("{}"), ct);
        await AssertProblemAsync(patch, HttpStatusCode.MethodNotAllowed, null, ct);
        Assert.Contains("GET", patch.Content.Headers.Allow);
    }

    [Fact]
    public async Task Users_cannot_be_renamed_by_update()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        string home = await h.AddUserAsync("renamed", ct: ct);
        using var r = await h.Client.PutAsync("/api/v1/users/renamed", Json($$"""{"username":"other","home_dir":"{{home}}"}"""), ct);
        await AssertProblemAsync(r, HttpStatusCode.BadRequest, "username", ct);
        Assert.NotNull(await h.Provider.GetUserAsync("renamed", ct));
        Assert.Null(await h.Provider.GetUserAsync("other", ct));
    }
}
