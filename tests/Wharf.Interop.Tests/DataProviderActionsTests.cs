using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Wharf.Interop.Tests;

/// <summary>
/// data_provider.actions through the real `wharf serve`: users added, updated and deleted with the
/// REST API run the hook with the seed's arguments and POST the user (without its password hash).
/// </summary>
public sealed class DataProviderActionsTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wharf-dpactions-").FullName;
    private readonly ConcurrentQueue<(string Method, string Url, string ContentType, string Body)> _requests = new();
    private HttpListener _listener = null!;
    private Task _serving = Task.CompletedTask;
    private Process? _server;
    private int _httpPort;
    private int _received;

    private string ConfigDir => Path.Combine(_dir, "config");

    private string Records => Path.Combine(_dir, "records");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ConfigDir);
        Directory.CreateDirectory(Records);
        string hook = Path.Combine(_dir, "hook.sh");
        await File.WriteAllTextAsync(hook, $$"""
            #!/bin/bash
            out=$(mktemp "{{Records}}/run.XXXXXXXX")
            printf '%s\n' "$@" > "$out"
            mv "$out" "$out.rec"
            """);
        File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        int notifyPort = ServeFixture.FreePort();
        _listener = new HttpListener();
        _listener.Prefixes.Add($"http://127.0.0.1:{notifyPort}/");
        _listener.Start();
        _serving = ServeAsync();

        _httpPort = ServeFixture.FreePort();
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.yaml"), $"""
            sftpd:
              bind_address: 127.0.0.1
            data_provider:
              actions:
                execute_on: [add, update, delete]
                command: {hook}
                http_notification_url: http://127.0.0.1:{notifyPort}/users
            """);
        (_server, _) = await ServeFixture.StartServeAsync(ConfigDir, new Dictionary<string, string>
        {
            ["WHARF_SFTPD__BIND_PORT"] = "0",
            ["WHARF_HTTPD__BIND_PORT"] = _httpPort.ToString(CultureInfo.InvariantCulture),
            ["WHARF_DEFAULT_ADMIN_USERNAME"] = "ops",
            ["WHARF_DEFAULT_ADMIN_PASSWORD"] = "actions-admin-pw",
        });
    }

    private async Task ServeAsync()
    {
        try
        {
            while (_listener.IsListening)
            {
                var context = await _listener.GetContextAsync();
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                _requests.Enqueue((context.Request.HttpMethod, context.Request.RawUrl ?? "", context.Request.ContentType ?? "", await reader.ReadToEndAsync()));
                Interlocked.Increment(ref _received);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _listener.Close();
        await _serving;
        Directory.Delete(_dir, true);
    }

    private async Task<List<string>[]> WaitForRunsAsync(int count)
    {
        var deadline = Stopwatch.StartNew();
        while (Directory.GetFiles(Records, "*.rec").Length < count || Volatile.Read(ref _received) < count)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"expected {count} hook runs and notifications, saw {Directory.GetFiles(Records, "*.rec").Length} and {Volatile.Read(ref _received)}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        return [.. Directory.GetFiles(Records, "*.rec").Select(f => File.ReadAllLines(f).ToList())];
    }

    [Fact]
    public async Task Rest_api_user_writes_run_the_hook_and_post_the_user()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}") };
        var tokenRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/token");
        tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:actions-admin-pw")));
        var token = JsonDocument.Parse(await (await client.SendAsync(tokenRequest, ct)).Content.ReadAsStringAsync(ct)).RootElement.GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        string home = Path.Combine(_dir, "homes", "dora");
        var added = await client.PostAsync("/api/v1/users", new StringContent(JsonSerializer.Serialize(new { username = "dora", password = "dora-password", home_dir = home, uid = 1234, gid = 4321 }), Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        long id = JsonDocument.Parse(await added.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetInt64();
        var runs = await WaitForRunsAsync(1);
        Assert.Equal(["add", "dora", id.ToString(CultureInfo.InvariantCulture), "1", "0", home, "1234", "4321"], runs[0]);
        Assert.True(_requests.TryDequeue(out var post));
        Assert.Equal("POST", post.Method);
        Assert.Equal("/users?action=add", post.Url);
        Assert.StartsWith("application/json", post.ContentType, StringComparison.Ordinal);
        var body = JsonDocument.Parse(post.Body).RootElement;
        Assert.Equal("dora", body.GetProperty("username").GetString());
        Assert.False(body.TryGetProperty("password", out _), "the password hash must not leave the server");
        Assert.DoesNotContain("argon2", post.Body, StringComparison.Ordinal);

        var updated = await client.PutAsync("/api/v1/users/dora", new StringContent(JsonSerializer.Serialize(new { home_dir = home, status = 0, uid = 1234, gid = 4321 }), Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        runs = await WaitForRunsAsync(2);
        Assert.Contains(runs, r => r[0] == "update" && r[3] == "0");
        Assert.True(_requests.TryDequeue(out var update));
        Assert.Equal("/users?action=update", update.Url);

        // A refused write (duplicate) fires nothing; the delete fires once.
        var duplicate = await client.PostAsync("/api/v1/users", new StringContent(JsonSerializer.Serialize(new { username = "dora", password = "x-password", home_dir = home }), Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/v1/users/dora", ct)).StatusCode);
        runs = await WaitForRunsAsync(3);
        Assert.Equal(3, runs.Length);
        Assert.Contains(runs, r => r[0] == "delete" && r[1] == "dora");
        Assert.True(_requests.TryDequeue(out var delete));
        Assert.Equal("/users?action=delete", delete.Url);
        await Task.Delay(500, ct);
        Assert.Equal(3, Directory.GetFiles(Records, "*.rec").Length);
        Assert.Equal(3, Volatile.Read(ref _received));
    }
}
