using System.Net;
using System.Text;
using static Wharf.Server.Tests.Http.HttpTestHost;

namespace Wharf.Server.Tests.Http;

public sealed class QuotaApiTests
{
    private static async Task WaitForNoScansAsync(HttpTestHost h, CancellationToken ct)
    {
        for (int i = 0; i < 200; i++)
        {
            var scans = await ReadJsonAsync(await h.Client.GetAsync("/api/v1/quota-scans", ct), ct);
            if (scans.GetArrayLength() == 0)
            {
                return;
            }

            await Task.Delay(50, ct);
        }

        Assert.Fail("the quota scan did not end");
    }

    [Fact]
    public async Task Scan_measures_the_home_in_the_background()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        string home = await h.AddUserAsync("alice", ct: ct);
        Directory.CreateDirectory(Path.Combine(home, "sub", "deeper"));
        await File.WriteAllBytesAsync(Path.Combine(home, "a.bin"), new byte[1000], ct);
        await File.WriteAllBytesAsync(Path.Combine(home, "sub", "b.bin"), new byte[2345], ct);
        await File.WriteAllBytesAsync(Path.Combine(home, "sub", "deeper", "c.bin"), new byte[7], ct);
        using var start = await h.Client.PostAsync("/api/v1/users/alice/quota-scan", null, ct);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        Assert.Equal("alice", (await ReadJsonAsync(start, ct)).GetProperty("username").GetString());
        await WaitForNoScansAsync(h, ct);
        var user = await ReadJsonAsync(await h.Client.GetAsync("/api/v1/users/alice", ct), ct);
        Assert.Equal(3352, user.GetProperty("used_quota_size").GetInt64());
        Assert.Equal(3, user.GetProperty("used_quota_files").GetInt32());

        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/users/nobody/quota-scan", null, ct), HttpStatusCode.NotFound, null, ct);
        await AssertProblemAsync(await h.Client.GetAsync("/api/v1/users/alice/quota-scan", ct), HttpStatusCode.MethodNotAllowed, null, ct);
    }

    [Fact]
    public async Task A_second_scan_or_an_update_during_a_scan_is_a_conflict()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        await h.AddUserAsync("bob", ct: ct);
        var release = new TaskCompletionSource();
        // A scan that lasts until released, registered where the API registers its own.
        Assert.True(h.Http.Dependencies.QuotaScans.TryStart("bob", () => release.Task, _ => { }));
        var scans = await ReadJsonAsync(await h.Client.GetAsync("/api/v1/quota-scans", ct), ct);
        Assert.Equal("bob", Assert.Single(scans.EnumerateArray()).GetProperty("username").GetString());
        Assert.True(scans[0].GetProperty("start_time").GetInt64() > 0);
        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/users/bob/quota-scan", null, ct), HttpStatusCode.Conflict, "username", ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/bob/quota", Json("""{"used_quota_size":1,"used_quota_files":1}"""), ct), HttpStatusCode.Conflict, "username", ct);
        release.SetResult();
        await WaitForNoScansAsync(h, ct);
        Assert.Equal(HttpStatusCode.Accepted, (await h.Client.PostAsync("/api/v1/users/bob/quota-scan", null, ct)).StatusCode);
        await WaitForNoScansAsync(h, ct);
    }

    [Fact]
    public async Task Update_resets_or_adds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        await h.AddUserAsync("carol", ct: ct);
        using var reset = await h.Client.PutAsync("/api/v1/users/carol/quota", Json("""{"used_quota_size":5000,"used_quota_files":5}"""), ct);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var body = await ReadJsonAsync(reset, ct);
        Assert.Equal(5000, body.GetProperty("used_quota_size").GetInt64());
        using var add = await h.Client.PutAsync("/api/v1/users/carol/quota?mode=add", Json("""{"used_quota_size":100,"used_quota_files":2}"""), ct);
        Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        var stored = await h.Provider.GetUserAsync("carol", ct);
        Assert.Equal(5100, stored!.UsedQuotaSize);
        Assert.Equal(7, stored.UsedQuotaFiles);
        using var again = await h.Client.PutAsync("/api/v1/users/carol/quota?mode=reset", Json("""{"used_quota_size":0,"used_quota_files":0}"""), ct);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(0, (await h.Provider.GetUserAsync("carol", ct))!.UsedQuotaSize);

        Assert.Equal(HttpStatusCode.OK, (await h.Client.PutAsync("/api/v1/users/carol/quota", Json("""{"used_quota_size":0,"used_quota_files":2147483647}"""), ct)).StatusCode);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/carol/quota?mode=add", Json("""{"used_quota_size":0,"used_quota_files":1}"""), ct), HttpStatusCode.BadRequest, "used_quota_files", ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/carol/quota?mode=set", Json("""{"used_quota_size":1,"used_quota_files":1}"""), ct), HttpStatusCode.BadRequest, "mode", ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/carol/quota", Json("""{"used_quota_size":-1,"used_quota_files":1}"""), ct), HttpStatusCode.BadRequest, "used_quota_size", ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/carol/quota", Json("""{"used_quota_size":1}"""), ct), HttpStatusCode.BadRequest, "used_quota_files", ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/carol/quota", Json("""{"used_quota_size":1,"used_quota_files":1,"quota":3}"""), ct), HttpStatusCode.BadRequest, "quota", ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/carol/quota", new StringContent("{}", Encoding.UTF8, "text/plain"), ct), HttpStatusCode.UnsupportedMediaType, null, ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/nobody/quota", Json("""{"used_quota_size":1,"used_quota_files":1}"""), ct), HttpStatusCode.NotFound, null, ct);
    }

    [Fact]
    public async Task With_track_quota_0_scan_and_update_do_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(trackQuota: 0, ct: ct);
        string home = await h.AddUserAsync("dave", ct: ct);
        Directory.CreateDirectory(home);
        await File.WriteAllBytesAsync(Path.Combine(home, "a.bin"), new byte[10], ct);
        await AssertProblemAsync(await h.Client.PostAsync("/api/v1/users/dave/quota-scan", null, ct), HttpStatusCode.Forbidden, "track_quota", ct);
        await AssertProblemAsync(await h.Client.PutAsync("/api/v1/users/dave/quota", Json("""{"used_quota_size":1,"used_quota_files":1}"""), ct), HttpStatusCode.Forbidden, "track_quota", ct);
        var stored = await h.Provider.GetUserAsync("dave", ct);
        Assert.Equal(0, stored!.UsedQuotaSize);
        Assert.Equal(0, stored.UsedQuotaFiles);
    }
}
