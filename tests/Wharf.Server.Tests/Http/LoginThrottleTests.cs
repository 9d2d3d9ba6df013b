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
            throttle.Failed(a);
        }

        Assert.Equal(TimeSpan.FromMinutes(1), throttle.RetryAfter(a));
        Assert.Null(throttle.RetryAfter(b)); // per address
        clock.Now += TimeSpan.FromSeconds(61);
        Assert.Null(throttle.RetryAfter(a));
        throttle.Failed(a);
        throttle.Failed(a);
        throttle.Succeeded(a);
        throttle.Failed(a);
        throttle.Failed(a);
        Assert.Null(throttle.RetryAfter(a));
    }
}
