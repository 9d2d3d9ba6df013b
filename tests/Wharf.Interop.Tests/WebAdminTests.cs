using System.Diagnostics;
using System.Net;
using System.Text;
using OpenQA.Selenium;
using Wharf.Interop.Tests.Web;

namespace Wharf.Interop.Tests;

/// <summary>
/// The web admin in a real headless Chromium against the real `wharf serve`: log in, manage
/// users through the forms, watch an SFTP session appear and close it from the page.
/// </summary>
public sealed class WebAdminTests : IClassFixture<WebAdminFixture>
{
    private readonly WebAdminFixture f;

    public WebAdminTests(WebAdminFixture fixture)
    {
        f = fixture;
        if (HeadlessChromium.Available)
        {
            _ = f.Browser.PageErrors(); // what an earlier test left behind is its own business
        }
    }

    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "scripts", name);

    private HeadlessChromium B => f.Browser;

    private IWebDriver D => f.Browser.Driver;

    private void Go(string path) => D.Navigate().GoToUrl(new Uri(f.BaseAddress, path));

    private IWebElement Row(string table, string username) =>
        B.WaitFor(d => d.FindElements(By.CssSelector($"#{table} tbody tr")).FirstOrDefault(r => r.GetAttribute("data-username") == username), $"the {table} row of {username}");

    private void AcceptConfirm() => B.WaitFor(d =>
    {
        try
        {
            var alert = d.SwitchTo().Alert();
            alert.Accept();
            return "";
        }
        catch (NoAlertPresentException)
        {
            return null;
        }
    }, "the confirmation dialog");

    private void Type(string id, string text)
    {
        var input = D.FindElement(By.Id(id));
        input.Clear();
        input.SendKeys(text);
    }

    [Fact]
    public async Task CreatedUserLogsInOverSftpAndIsDisconnectedFromTheConnectionsPage()
    {
        HeadlessChromium.RequireAvailable();
        f.LogIn();
        D.FindElement(By.Id("add-user")).Click();
        B.WaitUntil(d => d.FindElement(By.Id("user-form")).GetAttribute("data-ready") == "1", "the add form");
        var home = Path.Combine(f.Homes, "carol");
        Type("f-username", "carol");
        Type("f-password", "carol-Secret-1");
        Type("f-home_dir", home);
        Type("f-quota_size", "1048576");
        ((IJavaScriptExecutor)D).ExecuteScript("document.getElementById('f-expiration_date').value = '2035-01-02T03:04';");
        D.FindElement(By.Id("save")).Click();
        B.WaitUntil(d => d.Url.EndsWith("/web/users", StringComparison.Ordinal), "the users page after saving");
        Row("users", "carol");
        Assert.Contains("carol", B.Text("#message"));
        var carol = (await f.GetUserAsync("carol"))!.Value;
        Assert.Equal(new DateTimeOffset(new DateTime(2035, 1, 2, 3, 4, 0, DateTimeKind.Local)).ToUnixTimeMilliseconds(), carol.GetProperty("expiration_date").GetInt64());
        Assert.Equal(home, carol.GetProperty("home_dir").GetString());
        Assert.False(carol.TryGetProperty("password", out _));

        // Quota usage: an upload shows up as used/limit with a bar.
        var upload = await ProcessRunner.RunAsync(Python, [Script("paramiko_sftp.py"), f.SftpPort.ToString(), "carol", "carol-Secret-1", "roundtrip", "70000"], timeout: TimeSpan.FromMinutes(2));
        Assert.True(upload.ExitCode == 0, upload.StdOut + upload.StdErr);
        Go("/web/users");
        var meter = Row("users", "carol").FindElement(By.CssSelector("meter"));
        Assert.Equal("70000", meter.GetAttribute("value"));
        Assert.Equal("1048576", meter.GetAttribute("max"));
        Assert.Contains("68 KiB / 1.0 MiB", Row("users", "carol").Text);
        SaveScreenshot();

        using var hold = StartHold("carol", "carol-Secret-1");
        Go("/web/connections");
        // The table is redrawn every two seconds, so each look and the click retry on a stale row.
        B.WaitUntil(d => Row("connections", "carol").Text.Contains("SFTP", StringComparison.Ordinal), "carol's SFTP session");
        B.WaitFor(d =>
        {
            Row("connections", "carol").FindElement(By.CssSelector("button.close")).Click();
            return "";
        }, "a click on Close");
        AcceptConfirm();
        var ended = await hold.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.StartsWith("disconnected", ended);
        Assert.True(hold.WaitForExit(10_000));
        Assert.Equal(0, hold.ExitCode);
        B.WaitUntil(d => d.FindElements(By.CssSelector("#connections tbody tr[data-username='carol']")).Count == 0, "the closed session to leave the table");
        Assert.Contains("closed", B.Text("#message"));
        Assert.Empty(B.PageErrors());
    }

    /// <summary>paramiko logged in as <paramref name="user"/>, holding its session open until the server ends it.</summary>
    private Process StartHold(string user, string password)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Script("paramiko_hold.py"), f.SftpPort.ToString(), user, password, "60" })
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        var first = p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        Assert.True(first == "connected", $"paramiko: {first} {(p.HasExited ? p.StandardError.ReadToEnd() : "")}");
        return p;
    }

    /// <summary>The users page as docs/web-admin.png shows it; WHARF_WEB_SCREENSHOT names where to write it.</summary>
    private void SaveScreenshot()
    {
        string path = Environment.GetEnvironmentVariable("WHARF_WEB_SCREENSHOT") is { Length: > 0 } p ? p : Path.Combine(f.Dir, "web-admin.png");
        ((ITakesScreenshot)D).GetScreenshot().SaveAsFile(path);
        Assert.True(new FileInfo(path).Length > 1000);
    }

    [Fact]
    public async Task PagesNeedTheSessionAndCarryTheSecurityHeaders()
    {
        HeadlessChromium.RequireAvailable();
        Go("/web/login");
        D.Manage().Cookies.DeleteAllCookies();
        Go("/web/users");
        B.WaitUntil(d => new Uri(d.Url).AbsolutePath == "/web/login", "the redirect to the login page");

        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = f.BaseAddress };
        var connections = await http.GetAsync("/web/connections");
        Assert.Equal(HttpStatusCode.Redirect, connections.StatusCode);
        Assert.Equal("/web/login", connections.Headers.Location?.OriginalString);
        var login = await http.GetAsync("/web/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("default-src 'self'", login.Headers.GetValues("Content-Security-Policy").Single());
        Assert.DoesNotContain("unsafe-inline", login.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", login.Headers.GetValues("X-Frame-Options").Single());
        var script = await http.GetAsync("/web/static/common.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("max-age", script.Headers.CacheControl?.ToString());
        using (var again = new HttpRequestMessage(HttpMethod.Get, "/web/static/common.js"))
        {
            again.Headers.TryAddWithoutValidation("If-None-Match", script.Headers.ETag!.ToString());
            Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(again)).StatusCode);
        }

        Assert.Equal("text/css", (await http.GetAsync("/web/static/wharf.css")).Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/web/static/users.html")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/web/static/nope.js")).StatusCode);

        // A login posted from another site is refused before the credentials are even looked at.
        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/web/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = WebAdminFixture.AdminName, ["password"] = WebAdminFixture.AdminPassword }),
        };
        foreign.Headers.Add("Origin", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(foreign)).StatusCode);

        // The cookie alone does not open the API: the browser must also send X-Wharf-Web.
        var ok = await http.PostAsync("/web/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = WebAdminFixture.AdminName, ["password"] = WebAdminFixture.AdminPassword }));
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        string cookie = ok.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        string pair = cookie.Split(';')[0];
        using var bare = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users");
        bare.Headers.Add("Cookie", pair);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(bare)).StatusCode);
        using var withHeader = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users");
        withHeader.Headers.Add("Cookie", pair);
        withHeader.Headers.Add("X-Wharf-Web", "1");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(withHeader)).StatusCode);

        // Opening a page renews the session, so it ends after inactivity, not in the middle of work.
        using var page = new HttpRequestMessage(HttpMethod.Get, "/web/users");
        page.Headers.Add("Cookie", pair);
        var pageResponse = await http.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, pageResponse.StatusCode);
        string renewed = pageResponse.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith("wharf_token=", renewed);
        Assert.NotEqual(pair, renewed.Split(';')[0]);
        Assert.Contains("samesite=strict", renewed, StringComparison.OrdinalIgnoreCase);

        // The browser enforces the policy: a script injected inline is refused, and says so.
        f.LogIn();
        _ = B.PageErrors();
        ((IJavaScriptExecutor)D).ExecuteScript("const s = document.createElement('script'); s.textContent = 'window.injected = 1'; document.body.append(s);");
        Assert.Null(((IJavaScriptExecutor)D).ExecuteScript("return window.injected;"));
        Assert.Contains(B.PageErrors(), m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task WrongPasswordShowsTheErrorWith401()
    {
        HeadlessChromium.RequireAvailable();
        Go("/web/login");
        D.Manage().Cookies.DeleteAllCookies();
        Go("/web/login");
        Type("username", WebAdminFixture.AdminName);
        Type("password", "not-the-password");
        D.FindElement(By.Id("login-submit")).Click();
        var error = B.WaitFor(d => d.FindElements(By.Id("login-error")).FirstOrDefault(), "the login error");
        Assert.Equal("invalid username or password", error.Text);
        Assert.Equal(WebAdminFixture.AdminName, D.FindElement(By.Id("username")).GetAttribute("value"));
        Assert.Empty(D.Manage().Cookies.AllCookies);

        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = f.BaseAddress };
        var response = await http.PostAsync("/web/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = WebAdminFixture.AdminName, ["password"] = "wrong" }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid username or password", await response.Content.ReadAsStringAsync());
        Assert.Empty(B.PageErrors());
    }

    [Fact]
    public async Task EditingAUserChangesEveryEditedProperty()
    {
        HeadlessChromium.RequireAvailable();
        await f.AddUserAsync("dave");
        long expires = DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeMilliseconds() / 1000 * 1000 + 123; // not a whole minute: the form must keep it as is
        await PutAsync("dave", $$$"""{"expiration_date":{{{expires}}},"home_dir":"{{{Path.Combine(f.Homes, "dave")}}}","permissions":{"/":["*"]}}""");
        f.LogIn();
        Row("users", "dave").FindElement(By.LinkText("Edit")).Click();
        B.WaitUntil(d => d.FindElement(By.Id("f-home_dir")).GetAttribute("value")!.EndsWith("dave", StringComparison.Ordinal), "the edit form filled in");
        Assert.Equal("true", D.FindElement(By.Id("f-username")).GetAttribute("readOnly"));
        Type("f-max_sessions", "3");
        Type("f-quota_files", "100");
        Type("f-upload_bandwidth", "256");
        Type("f-uid", "1234");
        Type("f-allowed_ip", "127.0.0.0/8\n10.0.0.0/8");
        D.FindElement(By.CssSelector("#f-status option[value='0']")).Click();
        D.FindElement(By.Id("add-permission")).Click();
        var rows = D.FindElements(By.CssSelector("#permissions tbody tr"));
        var added = rows[^1];
        added.FindElement(By.CssSelector(".perm-dir")).SendKeys("/in");
        added.FindElement(By.CssSelector("input[value='list']")).Click();
        added.FindElement(By.CssSelector("input[value='upload']")).Click();
        D.FindElement(By.Id("save")).Click();
        B.WaitUntil(d => d.Url.EndsWith("/web/users", StringComparison.Ordinal), "the users page after saving");
        Assert.Contains("inactive", Row("users", "dave").Text);

        var dave = (await f.GetUserAsync("dave"))!.Value;
        Assert.Equal(3, dave.GetProperty("max_sessions").GetInt32());
        Assert.Equal(100, dave.GetProperty("quota_files").GetInt32());
        Assert.Equal(256, dave.GetProperty("upload_bandwidth").GetInt64());
        Assert.Equal(1234, dave.GetProperty("uid").GetInt32());
        Assert.Equal(0, dave.GetProperty("status").GetInt32());
        Assert.Equal(["127.0.0.0/8", "10.0.0.0/8"], dave.GetProperty("allowed_ip").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["list", "upload"], dave.GetProperty("permissions").GetProperty("/in").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["*"], dave.GetProperty("permissions").GetProperty("/").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(expires, dave.GetProperty("expiration_date").GetInt64());

        // The password was left empty, so the old one still works.
        var login = await ProcessRunner.RunAsync(Python, [Script("paramiko_sftp.py"), f.SftpPort.ToString(), "dave", "pw-dave-123", "listing", ".", "0"], timeout: TimeSpan.FromMinutes(1));
        Assert.Contains("Authentication failed", login.StdErr); // inactive now
        await PutAsync("dave", $$$"""{"status":1,"home_dir":"{{{Path.Combine(f.Homes, "dave")}}}","permissions":{"/":["*"]}}""");
        login = await ProcessRunner.RunAsync(Python, [Script("paramiko_sftp.py"), f.SftpPort.ToString(), "dave", "pw-dave-123", "listing", ".", "0"], timeout: TimeSpan.FromMinutes(1));
        Assert.True(login.ExitCode == 0, login.StdOut + login.StdErr);
        Assert.Empty(B.PageErrors());
    }

    private async Task PutAsync(string user, string json)
    {
        using var response = await f.Api.PutAsync("/api/v1/users/" + user, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DeleteAsksThenRemovesTheUser()
    {
        HeadlessChromium.RequireAvailable();
        await f.AddUserAsync("erin");
        f.LogIn();
        Row("users", "erin").FindElement(By.CssSelector("button.delete")).Click();
        AcceptConfirm();
        B.WaitUntil(d => d.FindElements(By.CssSelector("#users tbody tr[data-username='erin']")).Count == 0, "erin's row to go");
        Assert.Null(await f.GetUserAsync("erin"));
        Assert.Empty(B.PageErrors());
    }

    [Fact]
    public void ABadRequestShowsTheServersMessageNextToTheField()
    {
        HeadlessChromium.RequireAvailable();
        f.LogIn();
        Go("/web/users/add");
        B.WaitUntil(d => d.FindElement(By.Id("user-form")).GetAttribute("data-ready") == "1", "the add form");
        Type("f-username", "frank");
        Type("f-password", "frank-Secret-1");
        Type("f-home_dir", "relative/home");
        D.FindElement(By.Id("save")).Click();
        var message = B.WaitFor(d => d.FindElements(By.CssSelector(".field[data-field='home_dir'] .field-error")).FirstOrDefault(e => e.Displayed), "the home_dir error");
        Assert.Contains("home_dir", message.Text);
        Assert.Contains("invalid", D.FindElement(By.CssSelector(".field[data-field='home_dir']")).GetAttribute("class"));
        Assert.EndsWith("/web/users/add", D.Url);
        Assert.False(D.FindElement(By.CssSelector(".field[data-field='username'] .field-error")).Displayed);

        Type("f-home_dir", Path.Combine(f.Homes, "frank"));
        Type("f-allowed_ip", "not-a-network");
        D.FindElement(By.Id("save")).Click();
        var ipError = B.WaitFor(d => d.FindElements(By.CssSelector(".field[data-field='allowed_ip'] .field-error")).FirstOrDefault(e => e.Displayed), "the allowed_ip error");
        Assert.Contains("not-a-network", ipError.Text);
        Assert.False(D.FindElement(By.CssSelector(".field[data-field='home_dir'] .field-error")).Displayed);
        Assert.Empty(B.PageErrors());
    }

    [Fact]
    public async Task SearchFiltersByNamePagesAndShowsDataAsText()
    {
        HeadlessChromium.RequireAvailable();
        for (int i = 0; i < 22; i++)
        {
            await f.AddUserAsync($"page{i:D2}");
        }

        var odd = Path.Combine(f.Homes, "<img src=x id=injected>");
        await f.AddUserAsync("markup", odd);
        f.LogIn();
        Type("search", "page");
        B.WaitUntil(d => d.FindElements(By.CssSelector("#users tbody tr")).Count == 20 && d.FindElements(By.CssSelector("#users tbody tr[data-username='carol'], #users tbody tr[data-username='markup']")).Count == 0, "20 matches");
        Assert.Equal("true", D.FindElement(By.Id("prev")).GetAttribute("disabled"));
        D.FindElement(By.Id("next")).Click();
        B.WaitUntil(d => d.FindElements(By.CssSelector("#users tbody tr")).Count == 2, "the second page");
        Assert.Equal(["page20", "page21"], D.FindElements(By.CssSelector("#users tbody tr")).Select(r => r.GetAttribute("data-username")));
        Assert.Equal("true", D.FindElement(By.Id("next")).GetAttribute("disabled"));

        Type("search", "MARK");
        var row = B.WaitFor(d => d.FindElements(By.CssSelector("#users tbody tr")) is { Count: 1 } r && r[0].GetAttribute("data-username") == "markup" ? r[0] : null, "the markup user alone");
        Assert.Contains("<img src=x id=injected>", row.Text);
        Assert.Empty(D.FindElements(By.Id("injected")));

        Type("search", "zzz-nobody");
        B.WaitUntil(d => d.FindElement(By.CssSelector("#users tbody")).Text.Contains("No user matches", StringComparison.Ordinal), "the empty result");
        Assert.Empty(B.PageErrors());
    }

    [Fact]
    public void LogoutEndsTheSession()
    {
        HeadlessChromium.RequireAvailable();
        f.LogIn();
        D.FindElement(By.Id("logout")).Click();
        B.WaitUntil(d => new Uri(d.Url).AbsolutePath == "/web/login", "the login page");
        Assert.Empty(D.Manage().Cookies.AllCookies);
        Go("/web/connections");
        B.WaitUntil(d => new Uri(d.Url).AbsolutePath == "/web/login", "the redirect after logout");
        Assert.Empty(B.PageErrors());
    }
}
