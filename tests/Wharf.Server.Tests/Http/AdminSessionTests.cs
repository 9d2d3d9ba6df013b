using System.Net;
using System.Net.Http.Headers;
using Wharf.Server.Http.Auth;
using static Wharf.Server.Tests.Http.HttpTestHost;

namespace Wharf.Server.Tests.Http;

/// <summary>
/// What ends an admin's tokens and web cookies: logout ends every cookie of that login, and a new
/// password, a disable or a delete ends all of the admin's tokens and cookies — also when the admin
/// is enabled or created again afterwards.
/// </summary>
public sealed class AdminSessionTests
{
    private const string SecondName = "second";
    private const string SecondPassword = "second-password";

    /// <summary>A client that neither stores cookies nor follows redirects, so the test sees both.</summary>
    private static HttpClient RawClient(HttpTestHost h) =>
        new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = h.Http.Address };

    /// <summary>Logs in through the web form; the session cookie's value.</summary>
    private static async Task<string> WebLoginAsync(HttpClient raw, string name, string password, CancellationToken ct)
    {
        using var response = await raw.PostAsync("/web/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = name, ["password"] = password }), ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return SessionCookie(response) ?? throw new InvalidOperationException("the login set no session cookie");
    }

    private static string? SessionCookie(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            return null;
        }

        string prefix = AdminAuthentication.CookieName + "=";
        return values.Where(v => v.StartsWith(prefix, StringComparison.Ordinal)).Select(v => v[prefix.Length..].Split(';')[0]).FirstOrDefault(v => v.Length > 0);
    }

    /// <summary>Status of an API call made with the session cookie, as the web pages' scripts make it.</summary>
    private static async Task<HttpStatusCode> CookieApiStatusAsync(HttpClient raw, string cookie, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users");
        request.Headers.Add("Cookie", $"{AdminAuthentication.CookieName}={cookie}");
        request.Headers.Add(AdminAuthentication.WebHeader, "1");
        using var response = await raw.SendAsync(request, ct);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> BearerStatusAsync(HttpTestHost h, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await h.Anonymous.SendAsync(request, ct);
        return response.StatusCode;
    }

    /// <summary>A second admin and a client holding its token, to change the first one.</summary>
    private static async Task<HttpClient> SecondAdminAsync(HttpTestHost h, CancellationToken ct)
    {
        await h.Admins.AddAsync(new Wharf.Server.Accounts.Admin { Username = SecondName, Password = SecondPassword }, ct);
        var second = new HttpClient { BaseAddress = h.Http.Address };
        second.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await h.TokenAsync(SecondName, SecondPassword, ct));
        return second;
    }

    [Fact]
    public async Task Logout_ends_every_cookie_renewed_from_that_login_and_only_that_login()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var raw = RawClient(h);
        string first = await WebLoginAsync(raw, AdminName, AdminPassword, ct);
        string other = await WebLoginAsync(raw, AdminName, AdminPassword, ct);

        // Opening a page renews the cookie: the renewed one belongs to the same login.
        using var page = new HttpRequestMessage(HttpMethod.Get, "/web/users");
        page.Headers.Add("Cookie", $"{AdminAuthentication.CookieName}={first}");
        using var pageResponse = await raw.SendAsync(page, ct);
        Assert.Equal(HttpStatusCode.OK, pageResponse.StatusCode);
        string renewed = SessionCookie(pageResponse)!;
        Assert.NotNull(renewed);
        Assert.NotEqual(first, renewed);
        Assert.Equal(HttpStatusCode.OK, await CookieApiStatusAsync(raw, first, ct));
        Assert.Equal(HttpStatusCode.OK, await CookieApiStatusAsync(raw, renewed, ct));

        using var logout = new HttpRequestMessage(HttpMethod.Post, "/web/logout");
        logout.Headers.Add("Cookie", $"{AdminAuthentication.CookieName}={renewed}");
        logout.Headers.Add(AdminAuthentication.WebHeader, "1");
        Assert.Equal(HttpStatusCode.NoContent, (await raw.SendAsync(logout, ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await CookieApiStatusAsync(raw, renewed, ct));
        Assert.Equal(HttpStatusCode.Unauthorized, await CookieApiStatusAsync(raw, first, ct));
        using var oldPage = new HttpRequestMessage(HttpMethod.Get, "/web/users");
        oldPage.Headers.Add("Cookie", $"{AdminAuthentication.CookieName}={first}");
        using var oldPageResponse = await raw.SendAsync(oldPage, ct);
        Assert.Equal(HttpStatusCode.Redirect, oldPageResponse.StatusCode);
        Assert.Equal("/web/login", oldPageResponse.Headers.Location?.OriginalString);
        Assert.Null(SessionCookie(oldPageResponse)); // and it renews nothing any more

        // Another login of the same admin is another session and carries on.
        Assert.Equal(HttpStatusCode.OK, await CookieApiStatusAsync(raw, other, ct));
        Assert.Equal(HttpStatusCode.OK, (await h.Client.GetAsync("/api/v1/users", ct)).StatusCode);
    }

    [Fact]
    public async Task A_new_password_ends_every_token_and_cookie_of_that_admin()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var raw = RawClient(h);
        using var second = await SecondAdminAsync(h, ct);
        string token = h.Client.DefaultRequestHeaders.Authorization!.Parameter!;
        string cookie = await WebLoginAsync(raw, AdminName, AdminPassword, ct);

        // Email and description are not credentials: sessions stay.
        using (var describe = await second.PutAsync("/api/v1/admins/" + AdminName, Json("""{"status":1,"email":"a@example.org","description":"ops"}"""), ct))
        {
            Assert.Equal(HttpStatusCode.OK, describe.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, await BearerStatusAsync(h, token, ct));

        using (var change = await second.PutAsync("/api/v1/admins/" + AdminName, Json("""{"status":1,"password":"a-brand-new-password"}"""), ct))
        {
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await BearerStatusAsync(h, token, ct));
        Assert.Equal(HttpStatusCode.Unauthorized, await CookieApiStatusAsync(raw, cookie, ct));
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/v1/users", ct)).StatusCode); // other admins are untouched

        // A change made elsewhere (the CLI, another node: another AdminService on the same database) counts too.
        string fresh = await h.TokenAsync(AdminName, "a-brand-new-password", ct);
        Assert.Equal(HttpStatusCode.OK, await BearerStatusAsync(h, fresh, ct));
        await new Wharf.Server.Data.AdminService(h.Provider).SetPasswordAsync(AdminName, "changed-by-the-cli", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, await BearerStatusAsync(h, fresh, ct));
        Assert.Equal(HttpStatusCode.OK, await BearerStatusAsync(h, await h.TokenAsync(AdminName, "changed-by-the-cli", ct), ct));
    }

    [Fact]
    public async Task Disable_then_enable_does_not_bring_old_tokens_back()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var raw = RawClient(h);
        using var second = await SecondAdminAsync(h, ct);
        string token = h.Client.DefaultRequestHeaders.Authorization!.Parameter!;
        string cookie = await WebLoginAsync(raw, AdminName, AdminPassword, ct);

        Assert.Equal(HttpStatusCode.OK, (await second.PutAsync("/api/v1/admins/" + AdminName, Json("""{"status":0}"""), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await BearerStatusAsync(h, token, ct));
        Assert.Equal(HttpStatusCode.OK, (await second.PutAsync("/api/v1/admins/" + AdminName, Json("""{"status":1}"""), ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await BearerStatusAsync(h, token, ct));
        Assert.Equal(HttpStatusCode.Unauthorized, await CookieApiStatusAsync(raw, cookie, ct));
        Assert.Equal(HttpStatusCode.OK, await BearerStatusAsync(h, await h.TokenAsync(AdminName, AdminPassword, ct), ct));
    }

    [Fact]
    public async Task An_admin_created_again_under_a_deleted_name_does_not_inherit_its_tokens()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var raw = RawClient(h);
        using var second = await SecondAdminAsync(h, ct);
        string token = h.Client.DefaultRequestHeaders.Authorization!.Parameter!;
        string cookie = await WebLoginAsync(raw, AdminName, AdminPassword, ct);

        Assert.Equal(HttpStatusCode.NoContent, (await second.DeleteAsync("/api/v1/admins/" + AdminName, ct)).StatusCode);
        using (var recreate = await second.PostAsync("/api/v1/admins", Json($$"""{"username":"{{AdminName}}","password":"{{AdminPassword}}"}"""), ct))
        {
            Assert.Equal(HttpStatusCode.Created, recreate.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await BearerStatusAsync(h, token, ct));
        Assert.Equal(HttpStatusCode.Unauthorized, await CookieApiStatusAsync(raw, cookie, ct));
        Assert.Equal(HttpStatusCode.OK, await BearerStatusAsync(h, await h.TokenAsync(AdminName, AdminPassword, ct), ct));
    }

    [Fact]
    public async Task A_restore_that_changes_an_admin_password_ends_its_tokens_and_an_unchanged_one_keeps_them()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        string token = h.Client.DefaultRequestHeaders.Authorization!.Parameter!;
        string dump = await (await h.Client.GetAsync("/api/v1/dumpdata", ct)).Content.ReadAsStringAsync(ct);

        using (var same = await h.Client.PostAsync("/api/v1/loaddata?mode=0", Json(dump), ct))
        {
            Assert.Equal(HttpStatusCode.OK, same.StatusCode);
            Assert.Equal(1, (await ReadJsonAsync(same, ct)).GetProperty("admins_updated").GetInt32());
        }

        Assert.Equal(HttpStatusCode.OK, await BearerStatusAsync(h, token, ct));

        var changed = System.Text.Json.Nodes.JsonNode.Parse(dump)!;
        changed["admins"]![0]!["password"] = "restored-password-1";
        using (var restore = await h.Client.PostAsync("/api/v1/loaddata?mode=0", Json(changed.ToJsonString()), ct))
        {
            Assert.Equal(HttpStatusCode.OK, restore.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await BearerStatusAsync(h, token, ct));
        Assert.Equal(HttpStatusCode.OK, await BearerStatusAsync(h, await h.TokenAsync(AdminName, "restored-password-1", ct), ct));
    }
}
