using System.Net;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wharf.Server.Http.Api;
using Wharf.Server.Http.Auth;

namespace Wharf.Server.Http;

/// <summary>
/// The httpd section's HTTP server: the REST API under /api/v1, the web admin under /web and
/// Prometheus metrics at /metrics, all behind admin authentication (see <see cref="AdminAuthentication"/>).
/// Kestrel hosts it in-process beside the SSH listener.
/// </summary>
public sealed class HttpService : IAsyncDisposable
{
    private readonly WebApplication _app;

    /// <summary>Builds the server listening on <paramref name="address"/>:<paramref name="port"/> (port 0 picks a free one).</summary>
    public HttpService(HttpDependencies deps, IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(deps);
        Dependencies = deps;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders(); // the http logs go to the service's JSON log
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, port);
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 64L * 1024 * 1024; // a restore of many users; API bodies are otherwise small
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddRoutingCore();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            // What the routes really accept: numbers as numbers (the web defaults would also read
            // strings, and the OpenAPI schemas would say so).
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        builder.Services.AddOpenApi(OpenApiDocumentName, o => o.AddDocumentTransformer(new OpenApiDocumentSetup()));
        _app = builder.Build();
        _app.UseMiddleware<HttpAccessLog>(deps);
        _app.UseStatusCodePages(async status =>
        {
            // Requests routing refused get a problem document too, not an empty body, and one that
            // says why: routing also answers 405 (a known path, another method) and 415 (a route
            // whose body must be JSON), and those must not read as "no such route".
            var context = status.HttpContext;
            if (context.Response.ContentLength is null && string.IsNullOrEmpty(context.Response.ContentType))
            {
                var request = context.Request;
                var problem = context.Response.StatusCode switch
                {
                    StatusCodes.Status415UnsupportedMediaType => ApiJson.UnsupportedMediaType(request),
                    StatusCodes.Status405MethodNotAllowed => Problems.Create(StatusCodes.Status405MethodNotAllowed,
                        $"{request.Method} is not allowed on {request.Path}" + (context.Response.Headers.Allow.Count > 0 ? $"; use {context.Response.Headers.Allow}" : "")),
                    _ => Problems.Create(context.Response.StatusCode, $"{request.Method} {request.Path} is not a route of this server"),
                };
                await problem.ExecuteAsync(context).ConfigureAwait(false);
            }
        });
        _app.UseMiddleware<AdminAuthentication>(deps);
        var api = _app.MapGroup("/api/v1");
        ServiceEndpoints.Map(_app, api, deps);
        UserEndpoints.Map(api, deps);
        ConnectionEndpoints.Map(api, deps);
        QuotaEndpoints.Map(api, deps);
        DumpEndpoints.Map(api, deps);
        AdminEndpoints.Map(api, deps);
        DefenderEndpoints.Map(api, deps, v2: false);
        DefenderEndpoints.Map(_app.MapGroup("/api/v2"), deps, v2: true); // SFTPGo 2.x's paths
        _app.MapOpenApi(OpenApiPath).ExcludeFromDescription();
        Web.WebAdmin.Map(_app, deps);
        _app.MapGet("/metrics", async (HttpResponse response) =>
        {
            if (deps.MetricsWriter is null)
            {
                return Problems.NotFound("metrics are not enabled");
            }

            response.ContentType = deps.MetricsContentType;
            await deps.MetricsWriter(response.Body, response.HttpContext.RequestAborted).ConfigureAwait(false);
            return Results.Empty;
        }).ExcludeFromDescription();
        _app.MapGet("/", () => Results.Redirect("/web")).ExcludeFromDescription();
    }

    /// <summary>The OpenAPI document's name.</summary>
    public const string OpenApiDocumentName = "v1";

    /// <summary>Where the OpenAPI document is served (authenticated like the rest of /api/v1).</summary>
    public const string OpenApiPath = "/api/v1/openapi.json";

    /// <summary>What the routes work on.</summary>
    public HttpDependencies Dependencies { get; }

    /// <summary>The address actually listened on, once started.</summary>
    public Uri? Address { get; private set; }

    /// <summary>Starts listening.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        Address = addresses?.FirstOrDefault() is { } a ? new Uri(a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)) : null;
    }

    /// <summary>Stops accepting requests and waits briefly for running ones.</summary>
    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await Dependencies.QuotaScans.WaitAllAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        try
        {
            await _app.StopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
