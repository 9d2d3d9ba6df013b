using System.Text.Json;
using Wharf.Server.Actions;
using Wharf.Server.Configuration;
using Wharf.Server.Data;
using Wharf.Server.Events;
using Wharf.Server.Tests.Data;

namespace Wharf.Server.Tests.Actions;

/// <summary>data_provider.actions: a real SQLite provider behind UserService, a real script and a real HTTP listener.</summary>
public sealed class UserActionTests : IAsyncLifetime
{
    private readonly string _dir = TestUsers.NewTempDirectory();
    private readonly RecordingScript _script = new();
    private readonly ActionLog _log = new();
    private IDataProvider _provider = null!;

    public async ValueTask InitializeAsync()
    {
        _provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "sqlite", Name = "users.db" }, _dir);
        await _provider.InitializeAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AddUpdateDeleteRunTheCommandAndPostTheUserWithoutItsPasswordHash()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var http = new RecordingHttpServer();
        var events = new ServerEvents();
        var config = new ActionsConfig { ExecuteOn = ["add", "update", "delete"], Command = _script.Path, HttpNotificationUrl = http.Url + "/users?source=wharf" };
        await using (var runner = new ActionRunner(new ActionsConfig(), config, _log.Log, new ActionRunnerOptions { MaxConcurrency = 1 }))
        {
            runner.Subscribe(events);
            var service = new UserService(_provider, new DataProviderConfig(), TestUsers.Hasher) { Events = events };
            var user = TestUsers.Make("carol");
            user.Password = "plain-secret";
            var added = await service.AddAsync(user, ct);
            Assert.StartsWith("$test$", added.Password);

            var changed = TestUsers.Make("carol");
            changed.Status = 0;
            changed.Password = "other-secret";
            await service.UpdateAsync(changed, ct);
            Assert.True(await service.DeleteAsync("carol", ct));

            var runs = await _script.WaitForRunsAsync(3);
            string id = added.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.All(runs, r => Assert.Equal(8, r.Argc));
            Assert.Contains(runs, r => r.Args.SequenceEqual(["add", "carol", id, "1", "1900000000000", "/srv/sftp/carol", "1001", "1002"]));
            Assert.Contains(runs, r => r.Args.SequenceEqual(["update", "carol", id, "0", "1900000000000", "/srv/sftp/carol", "1001", "1002"]));
            Assert.Contains(runs, r => r.Args.SequenceEqual(["delete", "carol", id, "0", "1900000000000", "/srv/sftp/carol", "1001", "1002"]));
            var addRun = runs.Single(r => r.Args[0] == "add");
            Assert.Equal("carol", addRun.Env["WHARF_USER_USERNAME"]);
            Assert.Equal(id, addRun.Env["WHARF_USER_ID"]);
            Assert.Equal("/srv/sftp/carol", addRun.Env["WHARF_USER_HOME_DIR"]);
            Assert.Equal("add", addRun.Env["SFTPGO_PROVIDER_ACTION"]);
            Assert.Equal("user", addRun.Env["SFTPGO_PROVIDER_OBJECT_TYPE"]);
            Assert.Equal("carol", addRun.Env["SFTPGO_PROVIDER_OBJECT_NAME"]);
            foreach (var r in runs)
            {
                Assert.DoesNotContain("$test$", string.Concat(r.Env.Values));
                Assert.DoesNotContain("secret", string.Concat(r.Env.Values));
                using var envJson = JsonDocument.Parse(r.Env["WHARF_USER_JSON"]);
                Assert.False(envJson.RootElement.TryGetProperty("password", out _));
            }

            var requests = await http.WaitForRequestsAsync(3);
            Assert.Equal(["add", "update", "delete"], requests.Select(q => q.Query.Single(p => p.Key == "action").Value));
            foreach (var q in requests)
            {
                Assert.Equal("POST", q.Method);
                Assert.Equal("/users", q.Path);
                Assert.Equal("wharf", q.Query[0].Value);
                Assert.Equal("application/json", q.Headers["Content-Type"]);
                Assert.DoesNotContain("$test$", q.Body);
                using var body = JsonDocument.Parse(q.Body);
                var root = body.RootElement;
                Assert.False(root.TryGetProperty("password", out _));
                Assert.Equal("carol", root.GetProperty("username").GetString());
                Assert.Equal(added.Id, root.GetProperty("id").GetInt64());
                Assert.Equal("/srv/sftp/carol", root.GetProperty("home_dir").GetString());
                Assert.Equal(1_900_000_000_000, root.GetProperty("expiration_date").GetInt64());
                Assert.Equal(TestUsers.Key, root.GetProperty("public_keys")[0].GetString());
                Assert.Equal(["list", "download"], root.GetProperty("permissions").GetProperty("/").EnumerateArray().Select(e => e.GetString()));
            }

            Assert.Equal(1, JsonDocument.Parse(requests[0].Body).RootElement.GetProperty("status").GetInt32());
            Assert.Equal(0, JsonDocument.Parse(requests[1].Body).RootElement.GetProperty("status").GetInt32());
        }

        // The event's user is the stored one: serialising it for the hook must not alter it.
        var stored = TestUsers.Make("dave");
        await new UserService(_provider, new DataProviderConfig(), TestUsers.Hasher).AddAsync(stored, ct);
        Assert.Equal(TestUsers.Hash, (await _provider.GetUserAsync("dave", ct))!.Password);
        ActionInvocation.ForUser(new UserChangedEvent(UserActions.Add, stored));
        Assert.Equal(TestUsers.Hash, stored.Password);
    }

    [Fact]
    public async Task OnlyListedUserActionsFire()
    {
        var ct = TestContext.Current.CancellationToken;
        var events = new ServerEvents();
        await using (var runner = new ActionRunner(new ActionsConfig(), new ActionsConfig { ExecuteOn = ["delete"], Command = _script.Path }, _log.Log, new ActionRunnerOptions { MaxConcurrency = 1 }))
        {
            runner.Subscribe(events);
            var service = new UserService(_provider, new DataProviderConfig(), TestUsers.Hasher) { Events = events };
            await service.AddAsync(TestUsers.Make("erin"), ct);
            await service.UpdateAsync(TestUsers.Make("erin"), ct);
            Assert.False(await service.DeleteAsync("nobody", ct));
            Assert.True(await service.DeleteAsync("erin", ct));
            await _script.WaitForRunsAsync(1);
        }

        var run = Assert.Single(_script.ReadRuns());
        Assert.Equal(["delete", "erin"], run.Args.Take(2));
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        _script.Dispose();
        _log.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
