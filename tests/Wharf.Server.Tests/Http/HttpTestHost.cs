using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Wharf.Server.Accounts;
using Wharf.Server.Configuration;
using Wharf.Server.Data;
using Wharf.Server.Hosting;
using Wharf.Server.Http;
using Wharf.Server.Http.Auth;
using Wharf.Server.Logging;
using Wharf.Ssh.Keys;

namespace Wharf.Server.Tests.Http;

/// <summary>
/// The real thing on loopback: a SQLite provider in a temporary config dir, the SSH service on
/// port 0 and the HTTP service on port 0, with an admin and a client holding its token.
/// </summary>
public sealed class HttpTestHost : IAsyncDisposable
{
    public const string AdminName = "admin";
    public const string AdminPassword = "admin-password-1";

    private HttpTestHost(string dir) => Dir = dir;

    public string Dir { get; }

    public string ConfigDir => Path.Combine(Dir, "config");

    public string Homes => Path.Combine(Dir, "homes");

    public string LogPath => Path.Combine(Dir, "wharf.log");

    public WharfConfig Config { get; private set; } = null!;

    public IDataProvider Provider { get; private set; } = null!;

    public JsonLineLog Log { get; private set; } = null!;

    public WharfService Service { get; private set; } = null!;

    public HttpService Http { get; private set; } = null!;

    public AdminService Admins { get; private set; } = null!;

    /// <summary>A client with the admin's bearer token.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>A client without credentials.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    public int SshPort => Service.Sftp.LocalEndPoint!.Port;

    public static async Task<HttpTestHost> StartAsync(int trackQuota = 1, AdminTokens? tokens = null, CancellationToken ct = default)
    {
        var host = new HttpTestHost(Directory.CreateTempSubdirectory("wharf-http-").FullName);
        Directory.CreateDirectory(host.ConfigDir);
        Directory.CreateDirectory(host.Homes);
        host.Config = new WharfConfig { ConfigDirectory = host.ConfigDir };
        host.Config.DataProvider.TrackQuota = trackQuota;
        host.Provider = DataProviderFactory.Create(host.Config.DataProvider, host.ConfigDir);
        await host.Provider.InitializeAsync(ct);
        host.Log = new JsonLineLog(host.LogPath, console: false);
        host.Service = new WharfService(new ServeSettings { HostKeys = [Ed25519PrivateKey.Generate()], BindAddress = IPAddress.Loopback, BindPort = 0, TrackQuota = trackQuota }, host.Provider, host.Log);
        host.Service.Start();
        host.Admins = new AdminService(host.Provider);
        await host.Admins.AddAsync(new Admin { Username = AdminName, Password = AdminPassword }, ct);
        host.Http = new HttpService(new HttpDependencies
        {
            Service = host.Service,
            Users = new UserService(host.Provider, host.Config.DataProvider) { Events = host.Service.Events },
            Admins = host.Admins,
            Log = host.Log,
            Config = host.Config,
            Tokens = tokens ?? new AdminTokens(),
        }, IPAddress.Loopback, 0);
        await host.Http.StartAsync(ct);
        host.Anonymous = new HttpClient { BaseAddress = host.Http.Address };
        host.Client = new HttpClient { BaseAddress = host.Http.Address };
        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await host.TokenAsync(AdminName, AdminPassword, ct));
        return host;
    }

    /// <summary>GET /api/v1/token with Basic credentials; the access token.</summary>
    public async Task<string> TokenAsync(string name, string password, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/token");
        request.Headers.Authorization = Basic(name, password);
        using var response = await Anonymous.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ReadJsonAsync(response, ct)).GetProperty("access_token").GetString()!;
    }

    public static AuthenticationHeaderValue Basic(string name, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{password}")));

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.Clone();

    /// <summary>Asserts a problem document with <paramref name="status"/> (and the field, when given); returns it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field, CancellationToken ct)
    {
        string body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        if (field is not null)
        {
            Assert.True(problem.TryGetProperty("field", out var f), body);
            Assert.Equal(field, f.GetString());
        }

        return problem;
    }

    /// <summary>Adds a user through the API; returns its home.</summary>
    public async Task<string> AddUserAsync(string name, string extraJson = "", CancellationToken ct = default)
    {
        string home = Path.Combine(Homes, name);
        using var response = await Client.PostAsync("/api/v1/users", Json($$"""{"username":"{{name}}","password":"{{name}}-pw-123","home_dir":"{{home}}"{{extraJson}}}"""), ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(ct));
        return home;
    }

    /// <summary>The http log lines written so far.</summary>
    public List<JsonElement> HttpLogLines() =>
        File.ReadAllLines(LogPath).Select(l => JsonDocument.Parse(l).RootElement.Clone()).Where(e => e.GetProperty("sender").GetString() == "httpd").ToList();

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        Anonymous?.Dispose();
        if (Http is not null)
        {
            await Http.DisposeAsync();
        }

        if (Service is not null)
        {
            await Service.DisposeAsync();
        }

        if (Provider is not null)
        {
            await Provider.DisposeAsync();
        }

        Log?.Dispose();
        try
        {
            Directory.Delete(Dir, true);
        }
        catch (IOException)
        {
        }
    }
}

