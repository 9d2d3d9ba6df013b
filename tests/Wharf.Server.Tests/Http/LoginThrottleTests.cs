using System.Net;
using Wharf.Server.Http.Auth;
using static Wharf.Server.Tests.Http.HttpTestHost;

namespace Wharf.Server.Tests.Http;

public sealed class LoginThrottleTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Guessing_the_admin_password_is_cut_off_with_429_even_for_the_right_password()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        for (int i = 0; i < 10; i++)
        {
            using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/v1/token");
            wrong.Headers.Authorization = Basic(AdminName, "guess-" + i);
            using var refused = await h.Anonymous.SendAsync(wrong, ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var right = new HttpRequestMessage(HttpMethod.Get, "/api/v1/token");
        right.Headers.Authorization = Basic(AdminName, AdminPassword);
        using var throttled = await h.Anonymous.SendAsync(right, ct);
        await AssertProblemAsync(throttled, HttpStatusCode.TooManyRequests, null, ct);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        using var metrics = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        metrics.Headers.Authorization = Basic(AdminName, AdminPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await h.Anonymous.SendAsync(metrics, ct)).StatusCode);
    }

    [Fact]
    public void Failures_expire_with_the_window_and_a_success_clears_them()
    {
        var clock = new ManualClock();
        var throttle = new LoginThrottle(clock) { MaxFailures = 3, Window = TimeSpan.FromMinutes(1) };
        var a = IPAddress.Parse("192.0.2.1");
        var b = IPAddress.Parse("192.0.2.2");
        for (int i = 0; i < 3; i++)
        {
            Assert.Null(throttle.RetryAfter(a));
            Assert.True(throttle.TryAcquire(a, out _));
        }

        Assert.Equal(TimeSpan.FromMinutes(1), throttle.RetryAfter(a));
        Assert.False(throttle.TryAcquire(a, out var wait));
        Assert.Equal(TimeSpan.FromMinutes(1), wait);
        Assert.Null(throttle.RetryAfter(b)); // per address
        clock.Now += TimeSpan.FromSeconds(61);
        Assert.Null(throttle.RetryAfter(a));
        Assert.True(throttle.TryAcquire(a, out _));
        Assert.True(throttle.TryAcquire(a, out _));
        throttle.Succeeded(a);
        Assert.True(throttle.TryAcquire(a, out _));
        Assert.True(throttle.TryAcquire(a, out _));
        Assert.Null(throttle.RetryAfter(a));
    }

    private static async Task<(int Verified, int Throttled)> ParallelWrongLoginsAsync(int count, Func<int, Task<HttpStatusCode>> attempt)
    {
        var statuses = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => attempt(i))));
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, s.ToString()));
        return (statuses.Count(s => s == HttpStatusCode.Unauthorized), statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Thirty_parallel_wrong_passwords_get_exactly_ten_verified()
    {
        // The check and the count were two steps: parallel guesses all passed the check while the
        // first were still in argon2, and 16 of 30 were verified against a limit of 10.
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        var (verified, throttled) = await ParallelWrongLoginsAsync(30, async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/token");
            request.Headers.Authorization = Basic(AdminName, "parallel-guess-" + i);
            using var response = await h.Anonymous.SendAsync(request, ct);
            return response.StatusCode;
        });
        Assert.Equal(10, verified);
        Assert.Equal(20, throttled);

        using var right = new HttpRequestMessage(HttpMethod.Get, "/api/v1/token");
        right.Headers.Authorization = Basic(AdminName, AdminPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await h.Anonymous.SendAsync(right, ct)).StatusCode);
    }

    [Fact]
    public async Task Thirty_parallel_wrong_web_logins_get_exactly_ten_verified()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var raw = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = h.Http.Address };
        var (verified, throttled) = await ParallelWrongLoginsAsync(30, async i =>
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = AdminName, ["password"] = "parallel-guess-" + i });
            using var response = await raw.PostAsync("/web/login", form, ct);
            return response.StatusCode;
        });
        Assert.Equal(10, verified);
        Assert.Equal(20, throttled);
    }

    [Fact]
    public void Ipv6_addresses_of_one_64_block_share_a_count_and_mapped_ipv4_is_ipv4()
    {
        var throttle = new LoginThrottle { MaxFailures = 2 };
        Assert.True(throttle.TryAcquire(IPAddress.Parse("2001:db8:1:2::1"), out _));
        Assert.True(throttle.TryAcquire(IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff"), out _));
        Assert.False(throttle.TryAcquire(IPAddress.Parse("2001:db8:1:2:abcd::7"), out _));
        Assert.True(throttle.TryAcquire(IPAddress.Parse("2001:db8:1:3::1"), out _)); // the next /64 is another client

        Assert.True(throttle.TryAcquire(IPAddress.Parse("192.0.2.9"), out _));
        Assert.True(throttle.TryAcquire(IPAddress.Parse("::ffff:192.0.2.9"), out _));
        Assert.False(throttle.TryAcquire(IPAddress.Parse("192.0.2.9"), out _));
    }
}
