using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Wharf.Server.Tests.Actions;

/// <summary>
/// A real HTTP/1.1 listener on 127.0.0.1 that records each request (method, target, headers,
/// body) and answers 200 — or, when <see cref="Answer"/> is false, reads the request and never answers.
/// </summary>
internal sealed class RecordingHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly List<TcpClient> _clients = [];
    private readonly Task _accept;

    public RecordingHttpServer(bool answer = true)
    {
        Answer = answer;
        _listener.Start();
        _accept = AcceptAsync();
    }

    public bool Answer { get; }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public IReadOnlyList<Request> Requests => [.. _requests];

    public async Task<IReadOnlyList<Request>> WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        while (_requests.Count < count)
        {
            if (sw.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"{_requests.Count} of {count} requests received");
            }

            await Task.Delay(25);
        }

        return Requests;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_clients)
                {
                    _clients.Add(client);
                }

                _ = ServeAsync(client);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.Latin1);
            while (await reader.ReadLineAsync(_stop.Token) is { Length: > 0 } requestLine)
            {
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                string? line;
                while ((line = await reader.ReadLineAsync(_stop.Token)) is { Length: > 0 })
                {
                    var colon = line.IndexOf(':');
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }

                var body = "";
                if (headers.TryGetValue("Content-Length", out var length) && int.Parse(length) is > 0 and var n)
                {
                    var chars = new char[n];
                    int read = 0;
                    while (read < n)
                    {
                        read += await reader.ReadAsync(chars.AsMemory(read), _stop.Token);
                    }

                    // Latin1 maps bytes 1:1, so this recovers the UTF-8 body.
                    body = Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(chars));
                }

                var parts = requestLine.Split(' ');
                _requests.Enqueue(new Request(parts[0], parts[1], headers, body));
                if (!Answer)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_clients)
        {
            foreach (var c in _clients)
            {
                c.Dispose();
            }
        }

        await _accept;
        _stop.Dispose();
    }

    internal sealed record Request(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string Path => Target.Split('?')[0];

        /// <summary>The query's parameters in order, decoded.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Query =>
            Target.Contains('?')
                ? [.. Target[(Target.IndexOf('?') + 1)..].Split('&').Select(p => p.Split('=', 2)).Select(kv => new KeyValuePair<string, string>(Uri.UnescapeDataString(kv[0]), Uri.UnescapeDataString(kv.Length > 1 ? kv[1] : "")))]
                : [];
    }
}
