using System.Net;
using static Wharf.Server.Tests.Http.HttpTestHost;

namespace Wharf.Server.Tests.Http;

public sealed class HttpLogTests
{
    [Fact]
    public async Task Every_request_gets_an_http_log_line_with_the_seed_fields()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users?limit=5");
        request.Headers.UserAgent.ParseAdd("log-test/2.0");
        using var response = await h.Client.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string requestId = response.Headers.GetValues("X-Request-ID").Single();
        long size = (await response.Content.ReadAsByteArrayAsync(ct)).Length;
        using var missing = await h.Client.GetAsync("/api/v1/users/ghost", ct);

        var lines = h.HttpLogLines();
        var line = Assert.Single(lines, l => l.GetProperty("request_id").GetString() == requestId);
        Assert.Equal("info", line.GetProperty("level").GetString());
        Assert.StartsWith("127.0.0.1:", line.GetProperty("remote_addr").GetString(), StringComparison.Ordinal);
        Assert.Equal("HTTP/1.1", line.GetProperty("proto").GetString());
        Assert.Equal("GET", line.GetProperty("method").GetString());
        Assert.Equal("log-test/2.0", line.GetProperty("user_agent").GetString());
        Assert.Equal(new Uri(h.Http.Address!, "/api/v1/users?limit=5").ToString(), line.GetProperty("uri").GetString());
        Assert.Equal(200, line.GetProperty("resp_status").GetInt32());
        Assert.Equal(size, line.GetProperty("resp_size").GetInt64());
        Assert.True(line.GetProperty("elapsed_ms").GetInt64() >= 0);
        Assert.Contains(lines, l => l.GetProperty("resp_status").GetInt32() == 404 && l.GetProperty("uri").GetString()!.EndsWith("/api/v1/users/ghost", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.GetProperty("resp_status").GetInt32() == 200 && l.GetProperty("uri").GetString()!.EndsWith("/api/v1/token", StringComparison.Ordinal));
    }
}
