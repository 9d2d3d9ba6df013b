using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Wharf.Server.Accounts;
using Wharf.Server.Accounts.Passwords;
using Wharf.Server.Configuration;
using Wharf.Server.Data;
using Wharf.Server.Hosting;
using Wharf.Server.Http;
using Wharf.Server.Logging;
using Wharf.Ssh.Keys;

namespace Wharf.Server.Tests.Http;

public sealed class HttpSmokeTests
{
    private sealed class OneAdmin : IAdminDirectory
    {
        private readonly Admin _admin = new() { Username = "root", Password = PasswordHasher.HashIfNeeded("secret-password") };

        public Task<Admin?> AuthenticateAsync(string username, string password, CancellationToken cancellationToken = default) =>
            Task.FromResult(username == _admin.Username && PasswordHasher.Verify(password, _admin.Password) ? _admin : null);

        public Task<Admin?> GetActiveAdminAsync(string username, CancellationToken cancellationToken = default) =>
            Task.FromResult(username == _admin.Username ? _admin : null);
    }

    [Fact]
    public async Task Token_then_users_crud()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("wharf-http-");
        var provider = new MemoryDataProvider();
        using var log = new JsonLineLog(null, console: false);
        await using var service = new WharfService(new ServeSettings { HostKeys = [Ed25519PrivateKey.Generate()], BindAddress = IPAddress.Loopback, BindPort = 0 }, provider, log);
        var config = new WharfConfig();
        await using var http = new HttpService(new HttpDependencies
        {
            Service = service,
            Users = new UserService(provider, config.DataProvider) { Events = service.Events },
            Admins = new OneAdmin(),
            Log = log,
            Config = config,
        }, IPAddress.Loopback, 0);
        await http.StartAsync(ct);
        using var client = new HttpClient { BaseAddress = http.Address };
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/users", ct)).StatusCode);
        var tokenRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/token");
        tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("root:secret-password")));
        var tokenResponse = await client.SendAsync(tokenRequest, ct);
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        string token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("access_token").GetString()!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var add = await client.PostAsync("/api/v1/users", new StringContent($$"""{"username":"alice","password":"pw123456","home_dir":"{{dir.FullName}}/alice"}""", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        var bad = await client.PostAsync("/api/v1/users", new StringContent($$"""{"username":"bob","pasword":"x","home_dir":"/tmp/b"}""", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("pasword", JsonDocument.Parse(await bad.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("field").GetString());
        var list = await client.GetStringAsync("/api/v1/users", ct);
        Assert.Contains("alice", list, StringComparison.Ordinal);
        Assert.DoesNotContain("argon2", list, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/nope", ct)).StatusCode);
    }
}
