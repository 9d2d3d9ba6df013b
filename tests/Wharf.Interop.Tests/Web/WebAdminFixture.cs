using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenQA.Selenium;

namespace Wharf.Interop.Tests.Web;

/// <summary>
/// The real `wharf serve` with its HTTP server on a free port and a default admin from the
/// environment, plus one headless Chromium for the whole class.
/// </summary>
public sealed class WebAdminFixture : IAsyncLifetime
{
    public const string AdminName = "webadmin";
    public const string AdminPassword = "web-admin-Pa55";

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "wharf-web-" + Guid.NewGuid().ToString("N")[..8]);

    public string ConfigDir => Path.Combine(Dir, "config");

    public string Homes => Path.Combine(Dir, "homes");

    public int SftpPort { get; private set; }

    public int HttpPort { get; private set; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    public HeadlessChromium Browser { get; private set; } = null!;

    /// <summary>An API client holding a bearer token of the default admin.</summary>
    public HttpClient Api { get; private set; } = null!;

    private Process _serve = null!;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ConfigDir);
        Directory.CreateDirectory(Homes);
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.yaml"), """
            sftpd:
              bind_port: 0
              bind_address: 127.0.0.1
            data_provider:
              driver: sqlite
              name: wharf.db
              track_quota: 1
            httpd:
              bind_address: 127.0.0.1
            """);
        HttpPort = ServeFixture.FreePort();
        (_serve, SftpPort) = await ServeFixture.StartServeAsync(ConfigDir, new Dictionary<string, string>
        {
            ["WHARF_HTTPD__BIND_PORT"] = HttpPort.ToString(),
            ["WHARF_DEFAULT_ADMIN_USERNAME"] = AdminName,
            ["WHARF_DEFAULT_ADMIN_PASSWORD"] = AdminPassword,
        });
        Api = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        string token = await TokenAsync();
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Browser = HeadlessChromium.Available ? new HeadlessChromium() : null!; // the tests skip without it
    }

    /// <summary>Waits for the HTTP listener (it starts beside SFTP) and exchanges the admin's password for a token.</summary>
    private async Task<string> TokenAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/token");
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AdminName}:{AdminPassword}")));
                using var response = await client.SendAsync(request);
                string body = await response.Content.ReadAsStringAsync();
                Assert.True(response.IsSuccessStatusCode, $"token: {(int)response.StatusCode} {body}");
                return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>A fresh session: cookies dropped, then the login form filled in and sent.</summary>
    public void LogIn()
    {
        var d = Browser.Driver;
        d.Navigate().GoToUrl(new Uri(BaseAddress, "/web/login"));
        d.Manage().Cookies.DeleteAllCookies();
        d.Navigate().GoToUrl(new Uri(BaseAddress, "/web/login"));
        d.FindElement(By.Id("username")).SendKeys(AdminName);
        d.FindElement(By.Id("password")).SendKeys(AdminPassword);
        d.FindElement(By.Id("login-submit")).Click();
        Browser.WaitUntil(x => x.Url.EndsWith("/web/users", StringComparison.Ordinal) && x.FindElements(By.CssSelector("#users tbody tr")).Count > 0, "the users page after login");
    }

    /// <summary>Adds a user through the API (for tests that are about other pages).</summary>
    public async Task AddUserAsync(string name, string? homeDir = null)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, string> { ["username"] = name, ["password"] = $"pw-{name}-123", ["home_dir"] = homeDir ?? Path.Combine(Homes, name) });
        using var response = await Api.PostAsync("/api/v1/users", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"add {name}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The user as the API returns it, or null on 404.</summary>
    public async Task<JsonElement?> GetUserAsync(string name)
    {
        using var response = await Api.GetAsync("/api/v1/users/" + Uri.EscapeDataString(name));
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Browser?.Dispose();
        Api?.Dispose();
        if (_serve is { HasExited: false })
        {
            _serve.Kill(entireProcessTree: true);
            await _serve.WaitForExitAsync();
        }

        _serve?.Dispose();
        Directory.Delete(Dir, true);
    }
}
