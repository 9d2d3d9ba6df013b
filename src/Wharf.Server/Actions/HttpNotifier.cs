using System.Diagnostics;
using System.Net.Http.Headers;

namespace Wharf.Server.Actions;

/// <summary>How a notification ended.</summary>
internal enum HttpEnd
{
    Answered,
    TimedOut,
    Cancelled,
    Failed,
}

/// <summary>A notification's outcome: the status code when the endpoint answered, or the error.</summary>
internal sealed record HttpOutcome(HttpEnd End, int StatusCode, TimeSpan Elapsed, string? Error = null)
{
    public bool Succeeded => End == HttpEnd.Answered && StatusCode is >= 200 and < 300;
}

/// <summary>Sends HTTP notifications with one pooled client and a deadline per request.</summary>
internal sealed class HttpNotifier : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestHeaders = { { "User-Agent", "Wharf/" + (typeof(HttpNotifier).Assembly.GetName().Version?.ToString(3) ?? "0") } },
    };

    /// <summary>GET <paramref name="uri"/>, or POST <paramref name="jsonBody"/> to it.</summary>
    public async Task<HttpOutcome> SendAsync(Uri uri, byte[]? jsonBody, TimeSpan timeout, CancellationToken shutdown)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(jsonBody is null ? HttpMethod.Get : HttpMethod.Post, uri);
        if (jsonBody is not null)
        {
            request.Content = new ByteArrayContent(jsonBody) { Headers = { ContentType = Json } };
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        deadline.CancelAfter(timeout);
        try
        {
            // Headers are enough: the body of the answer is not read, so a large one costs nothing.
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            return new HttpOutcome(HttpEnd.Answered, (int)response.StatusCode, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException)
        {
            return new HttpOutcome(shutdown.IsCancellationRequested ? HttpEnd.Cancelled : HttpEnd.TimedOut, 0, Stopwatch.GetElapsedTime(started));
        }
        catch (HttpRequestException ex)
        {
            return new HttpOutcome(HttpEnd.Failed, 0, Stopwatch.GetElapsedTime(started), ex.Message);
        }
    }

    public void Dispose() => _client.Dispose();
}
