using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Wharf.Server.Http;

/// <summary>
/// The seed's "http logs" (sender httpd: remote_addr, proto, method, user_agent, uri, resp_status,
/// resp_size, elapsed_ms, request_id) and the per-status counter for metrics; it also turns an
/// unexpected exception into a 500 problem instead of a dropped connection.
/// </summary>
public sealed class HttpAccessLog(RequestDelegate next, HttpDependencies deps)
{
    public async Task InvokeAsync(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        string requestId = Guid.NewGuid().ToString("N")[..20];
        context.Response.Headers["X-Request-ID"] = requestId;
        var counting = new CountingStream(context.Response.Body);
        context.Response.Body = counting;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // Kestrel's own refusals (body over the limit, malformed request) keep their status.
            context.Response.Clear();
            await Problems.Create(ex.StatusCode, ex.Message).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Data.DataProviderException or System.Data.Common.DbException && !context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            // The database is down or refused: any route that reads it (authentication included)
            // answers 503, which a client may retry, rather than a 500.
            deps.Log.Write("error", "httpd", $"data provider error on {context.Request.Method} {context.Request.Path}: {ex.Message}");
            context.Response.Clear();
            var result = ex is Data.DataProviderException dpe && dpe.Error != Data.DataProviderError.Unavailable
                ? Problems.From(dpe)
                : Problems.Create(StatusCodes.Status503ServiceUnavailable, "the data provider is unavailable (request_id " + requestId + ")");
            await result.ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            deps.Log.Write("error", "httpd", $"unhandled error on {context.Request.Method} {context.Request.Path}: {ex.GetType().Name}: {ex.Message}");
            context.Response.Clear();
            await Problems.Create(StatusCodes.Status500InternalServerError, "internal error; see the server log (request_id " + requestId + ")").ExecuteAsync(context).ConfigureAwait(false);
        }
        finally
        {
            var request = context.Request;
            int status = context.Response.StatusCode;
            deps.ResponseObserver?.Invoke(status);
            deps.Log.Write(status >= 500 ? "error" : "info", "httpd", "", new Dictionary<string, object?>
            {
                ["remote_addr"] = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}",
                ["proto"] = request.Protocol,
                ["method"] = request.Method,
                ["user_agent"] = request.Headers.UserAgent.ToString(),
                ["uri"] = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}",
                ["resp_status"] = status,
                ["resp_size"] = counting.Written,
                ["elapsed_ms"] = (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds,
                ["request_id"] = requestId,
            });
            context.Response.Body = counting.Inner;
        }
    }

    /// <summary>Counts response bytes without buffering them.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public Stream Inner => inner;
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Written += count;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
