using System.Net;
using System.Text;
using System.Text.Json;
using static Wharf.Server.Tests.Http.HttpTestHost;

namespace Wharf.Server.Tests.Http;

public sealed class DumpApiTests
{
    [Fact]
    public async Task Dump_then_restore_round_trip()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        await h.AddUserAsync("alice", ""","quota_size":4096,"denied_ip":["10.0.0.0/8"]""", ct);
        await h.AddUserAsync("bob", ct: ct);
        var before = (await h.Provider.GetUserAsync("alice", ct))!;
        using var dumpResponse = await h.Client.GetAsync("/api/v1/dumpdata", ct);
        Assert.Equal(HttpStatusCode.OK, dumpResponse.StatusCode);
        Assert.Equal("application/json", dumpResponse.Content.Headers.ContentType?.MediaType);
        string dump = await dumpResponse.Content.ReadAsStringAsync(ct);
        var users = JsonDocument.Parse(dump).RootElement.GetProperty("users");
        Assert.Equal(["alice", "bob"], users.EnumerateArray().Select(u => u.GetProperty("username").GetString()));
        Assert.Equal(before.Password, users[0].GetProperty("password").GetString()); // the hash, so logins survive a restore

        Assert.Equal(HttpStatusCode.NoContent, (await h.Client.DeleteAsync("/api/v1/users/alice", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await h.Client.DeleteAsync("/api/v1/users/bob", ct)).StatusCode);
        using var load = await h.Client.PostAsync("/api/v1/loaddata", Json(dump), ct);
        Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        var result = await ReadJsonAsync(load, ct);
        Assert.Equal(2, result.GetProperty("added").GetInt32());
        var after = (await h.Provider.GetUserAsync("alice", ct))!;
        Assert.Equal(before.Password, after.Password);
        Assert.Equal(4096, after.QuotaSize);
        Assert.Equal(["10.0.0.0/8"], after.DeniedIp);

        var again = await ReadJsonAsync(await h.Client.PostAsync("/api/v1/loaddata?mode=0", Json(dump), ct), ct);
        Assert.Equal(2, again.GetProperty("updated").GetInt32());
        var addOnly = await ReadJsonAsync(await h.Client.PostAsync("/api/v1/loaddata?mode=1", Json(dump), ct), ct);
        Assert.Equal(2, addOnly.GetProperty("skipped").GetInt32());
        Assert.Equal(0, addOnly.GetProperty("added").GetInt32());
    }

    [Fact]
    public async Task Bad_restores_are_refused_before_anything_is_written()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/loaddata?mode=2", Json("""{"users":[]}"""), ct), HttpStatusCode.BadRequest, "mode", ct);
        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/loaddata", Json("""{"users":[{"username":"x","password":"pw123456","home_dir":"/tmp/x"},{"username":"y","password":"pw123456","home_dir":"relative"}]}"""), ct), HttpStatusCode.BadRequest, "home_dir", ct);
        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/loaddata", Json("""{"users":[{"username":"x","password":"pw123456","home_dir":"/tmp/x"},{"username":"x","password":"pw123456","home_dir":"/tmp/x"}]}"""), ct), HttpStatusCode.BadRequest, "username", ct);
        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/loaddata", Json("""{"users": 12"""), ct), HttpStatusCode.BadRequest, "users", ct);
        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/loaddata", new StringContent("""{"users":[]}""", Encoding.UTF8, "text/plain"), ct), HttpStatusCode.UnsupportedMediaType, null, ct);
        Assert.Null(await h.Provider.GetUserAsync("x", ct));
    }

    [Fact]
    public async Task Sftpgo_filters_are_restored_and_enforced()
    {
        // SFTPGo's dump keeps the address rules under "filters". Dropped, a user allowed only
        // 10.99.0.0/16 could log in from anywhere.
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        string dump = """
            {"users": [{"id": 7, "status": 1, "username": "netonly", "expiration_date": 0,
              "password": "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=",
              "home_dir": "/tmp/netonly", "uid": 0, "gid": 0, "max_sessions": 0, "quota_size": 0, "quota_files": 0,
              "permissions": {"/": ["*"]}, "used_quota_size": 0, "used_quota_files": 0, "last_quota_update": 0,
              "upload_bandwidth": 0, "download_bandwidth": 0, "last_login": 0,
              "filters": {"allowed_ip": ["10.99.0.0/16"], "denied_ip": ["10.99.66.0/24"]}}]}
            """;
        using var load = await h.Client.PostAsync("/api/v1/loaddata", Json(dump), ct);
        Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        var user = (await h.Provider.GetUserAsync("netonly", ct))!;
        var now = DateTimeOffset.UtcNow;
        Assert.Contains("not allowed", Wharf.Server.Accounts.LoginPolicy.Check(user, IPAddress.Parse("192.0.2.1"), now));
        Assert.Contains("denied", Wharf.Server.Accounts.LoginPolicy.Check(user, IPAddress.Parse("10.99.66.5"), now));
        Assert.Null(Wharf.Server.Accounts.LoginPolicy.Check(user, IPAddress.Parse("10.99.1.5"), now));

        // And the dump Wharf writes carries them where SFTPGo reads them.
        var written = JsonDocument.Parse(await h.Client.GetStringAsync("/api/v1/dumpdata", ct)).RootElement.GetProperty("users")[0];
        Assert.Equal("10.99.0.0/16", written.GetProperty("filters").GetProperty("allowed_ip")[0].GetString());
    }

    [Theory]
    [InlineData(""","filters":{"allowed_ip":["10.99.0.0/16"],"file_patterns":[{"path":"/","denied_patterns":["*.exe"]}]}""", "users[1].filters.file_patterns")]
    [InlineData(""","virtual_folders":[{"name":"shared","virtual_path":"/shared"}]""", "users[1].virtual_folders")]
    [InlineData(""","filesystem":{"provider":1}""", "users[1].filesystem")]
    public async Task Unsupported_user_members_are_refused_by_name_and_nothing_is_restored(string extra, string path)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        string dump = $$"""
            {"users": [{"username": "first", "password": "pw123456", "home_dir": "/tmp/first"},
                       {"username": "second", "password": "pw123456", "home_dir": "/tmp/second"{{extra}}}]}
            """;
        var problem = await AssertProblemAsync(await h.Client.PostAsync("/api/v1/loaddata", Json(dump), ct), HttpStatusCode.BadRequest, path, ct);
        Assert.Contains($"{path} is not supported", problem.GetProperty("detail").GetString());
        Assert.Null(await h.Provider.GetUserAsync("first", ct));
        Assert.Null(await h.Provider.GetUserAsync("second", ct));
    }

    [Theory]
    [InlineData("""{"users": [], "folders": [{"name": "f", "mapped_path": "/srv/f"}]}""", "folders")]
    [InlineData("""{"users": [], "groups": [{"name": "g"}]}""", "groups")]
    [InlineData("""{"users": [], "admins": [{"username": "boss", "password": "pw123456", "filters": {"allow_list": ["10.0.0.0/8"]}}]}""", "admins[0].filters")]
    [InlineData("""{"users": [], "admins": [{"username": "boss", "password": "pw123456", "permissions": ["add_users"]}]}""", "admins[0].permissions")]
    [InlineData("""{"users": [], "version": "eight"}""", "version")]
    public async Task Unsupported_dump_members_are_refused_by_name(string dump, string path)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        var problem = await AssertProblemAsync(await h.Client.PostAsync("/api/v1/loaddata", Json(dump), ct), HttpStatusCode.BadRequest, path, ct);
        Assert.Contains($"{path} is not supported", problem.GetProperty("detail").GetString());
        Assert.Null(await h.Provider.GetAdminAsync("boss", ct));
    }

    [Fact]
    public async Task Filters_that_disagree_with_the_top_level_rules_are_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        string dump = """{"users": [{"username": "both", "password": "pw123456", "home_dir": "/tmp/both", "allowed_ip": ["10.0.0.0/8"], "filters": {"allowed_ip": ["192.0.2.0/24"]}}]}""";
        var problem = await AssertProblemAsync(await h.Client.PostAsync("/api/v1/loaddata", Json(dump), ct), HttpStatusCode.BadRequest, null, ct);
        Assert.Contains("disagree", problem.GetProperty("detail").GetString());
        Assert.Null(await h.Provider.GetUserAsync("both", ct));
    }

    [Fact]
    public async Task Output_file_goes_to_the_backups_directory_only()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        await h.AddUserAsync("alice", ct: ct);
        using var write = await h.Client.GetAsync("/api/v1/dumpdata?output_file=backup-1.json", ct);
        Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        string path = Path.Combine(h.ConfigDir, "backups", "backup-1.json");
        Assert.Equal(path, (await ReadJsonAsync(write, ct)).GetProperty("output_file").GetString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal("alice", JsonDocument.Parse(await File.ReadAllTextAsync(path, ct)).RootElement.GetProperty("users")[0].GetProperty("username").GetString());

        foreach (var bad in new[] { "../evil.json", "..%2Fevil.json", "a/b.json", "%2Ftmp%2Fevil.json", ".hidden", "..", "" })
        {
            await AssertProblemAsync(await h.Client.GetAsync("/api/v1/dumpdata?output_file=" + bad, ct), HttpStatusCode.BadRequest, "output_file", ct);
            await AssertProblemAsync(await h.Client.PostAsync("/api/v1/loaddata?input_file=" + bad, Json("{}"), ct), HttpStatusCode.BadRequest, "input_file", ct);
        }

        Assert.False(File.Exists(Path.Combine(h.ConfigDir, "evil.json")));
        Assert.False(File.Exists("/tmp/evil.json"));
        Assert.Single(Directory.GetFiles(Path.Combine(h.ConfigDir, "backups")));

        Assert.Equal(HttpStatusCode.NoContent, (await h.Client.DeleteAsync("/api/v1/users/alice", ct)).StatusCode);
        using var load = await h.Client.PostAsync("/api/v1/loaddata?input_file=backup-1.json", null, ct);
        Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        Assert.NotNull(await h.Provider.GetUserAsync("alice", ct));
        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/loaddata?input_file=missing.json", null, ct), HttpStatusCode.NotFound, null, ct);
    }
}
