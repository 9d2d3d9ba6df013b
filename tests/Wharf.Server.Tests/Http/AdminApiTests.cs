using System.Net;
using System.Net.Http.Headers;
using static Wharf.Server.Tests.Http.HttpTestHost;

namespace Wharf.Server.Tests.Http;

public sealed class AdminApiTests
{
    [Fact]
    public async Task Admins_crud_without_hashes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var add = await h.Client.PostAsync("/api/v1/admins", Json("""{"username":"ops","password":"ops-password-1","email":"ops@example.com","description":"night shift"}"""), ct);
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        string addBody = await add.Content.ReadAsStringAsync(ct);
        Assert.DoesNotContain("password", addBody, StringComparison.Ordinal);
        Assert.DoesNotContain("argon2", addBody, StringComparison.Ordinal);
        Assert.StartsWith("$argon2id$", (await h.Admins.GetAsync("ops", ct))!.Password, StringComparison.Ordinal);

        using var list = await h.Client.GetAsync("/api/v1/admins", ct);
        string listBody = await list.Content.ReadAsStringAsync(ct);
        Assert.DoesNotContain("argon2", listBody, StringComparison.Ordinal);
        Assert.Equal(["admin", "ops"], (await ReadJsonAsync(list, ct)).EnumerateArray().Select(a => a.GetProperty("username").GetString()));
        var admin = await ReadJsonAsync(await h.Client.GetAsync("/api/v1/admins/admin", ct), ct);
        Assert.True(admin.GetProperty("last_login").GetInt64() > 0); // the token request counts as a login

        // The new admin logs in; an update without a password keeps it.
        string token = await h.TokenAsync("ops", "ops-password-1", ct);
        using var put = await h.Client.PutAsync("/api/v1/admins/ops", Json("""{"email":"ops2@example.com"}"""), ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("ops2@example.com", (await ReadJsonAsync(put, ct)).GetProperty("email").GetString());
        await h.TokenAsync("ops", "ops-password-1", ct);
        using var newPassword = await h.Client.PutAsync("/api/v1/admins/ops", Json("""{"password":"ops-password-2"}"""), ct);
        Assert.Equal(HttpStatusCode.OK, newPassword.StatusCode);
        await h.TokenAsync("ops", "ops-password-2", ct);

        using var delete = await h.Client.DeleteAsync("/api/v1/admins/ops", ct);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await AssertProblemAsync(await h.Anonymous.SendAsync(request, ct), HttpStatusCode.Unauthorized, null, ct); // a deleted admin's token is dead
        await AssertProblemAsync(await h.Client.DeleteAsync("/api/v1/admins/ops", ct), HttpStatusCode.NotFound, null, ct);
        await AssertProblemAsync(await h.Client.GetAsync("/api/v1/admins/ops", ct), HttpStatusCode.NotFound, null, ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/admins/ops", Json("{}"), ct), HttpStatusCode.NotFound, null, ct);
    }

    [Theory]
    [InlineData("""{"username":"admin","password":"another-password"}""", "username")] // duplicate
    [InlineData("""{"username":"..","password":"another-password"}""", "username")]
    [InlineData("""{"username":"short","password":"short"}""", "password")]
    [InlineData("""{"username":"st","password":"another-password","status":7}""", "status")]
    [InlineData("""{"username":"em","password":"another-password","email":"not an address"}""", "email")]
    [InlineData("""{"username":"un","password":"another-password","role":"god"}""", "role")]
    public async Task Bad_admin_bodies_get_400_naming_the_field(string body, string field)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/admins", Json(body), ct), HttpStatusCode.BadRequest, field, ct);
        Assert.Single(await h.Admins.ListAsync(ct));
    }

    [Fact]
    public async Task The_last_active_admin_stays()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        await AssertProblemAsync(await h.Client.DeleteAsync("/api/v1/admins/admin", ct), HttpStatusCode.BadRequest, "username", ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/admins/admin", Json("""{"status":0}"""), ct), HttpStatusCode.BadRequest, "status", ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/admins/admin", Json("""{"username":"renamed"}"""), ct), HttpStatusCode.BadRequest, "username", ct);
        Assert.Equal(HttpStatusCode.OK, (await h.Client.GetAsync("/api/v1/users", ct)).StatusCode);
    }
}
