using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Wharf.Server.Http.Web;

/// <summary>
/// The web admin's files, embedded in the assembly so the server needs nothing on disk and no
/// CDN: page templates and the /web/static files (CSS, scripts, icon).
/// </summary>
public sealed class WebAssets
{
    private const string Prefix = "WharfWeb/";

    private readonly FrozenDictionary<string, Asset> _files;

    private WebAssets(FrozenDictionary<string, Asset> files, string version)
    {
        _files = files;
        Version = version;
    }

    /// <summary>A short hash of every file, appended to static URLs so a new build is never served from a stale cache.</summary>
    public string Version { get; }

    /// <summary>Reads every embedded web file.</summary>
    public static WebAssets Load()
    {
        var assembly = typeof(WebAssets).Assembly;
        var files = new Dictionary<string, Asset>(StringComparer.Ordinal);
        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            all.AppendData(bytes);
            string name = resource[Prefix.Length..];
            files[name] = new Asset(bytes, ContentTypeOf(name), "\"" + Convert.ToHexString(SHA256.HashData(bytes).AsSpan(0, 8)).ToLowerInvariant() + "\"");
        }

        return new WebAssets(files.ToFrozenDictionary(StringComparer.Ordinal), Convert.ToHexString(all.GetHashAndReset().AsSpan(0, 6)).ToLowerInvariant());
    }

    /// <summary>A template's text (the .html files).</summary>
    public string Text(string name) =>
        _files.TryGetValue(name, out var asset) ? System.Text.Encoding.UTF8.GetString(asset.Bytes) : throw new InvalidOperationException($"web asset '{name}' is not embedded");

    /// <summary>Serves a static file with its content type, an ETag, and a day of caching (URLs carry <see cref="Version"/>).</summary>
    public IResult Serve(HttpContext context, string name)
    {
        // Templates are rendered by the page routes, never served raw.
        if (name.EndsWith(".html", StringComparison.Ordinal) || !_files.TryGetValue(name, out var asset))
        {
            return Problems.NotFound($"no static file '{name}'");
        }

        context.Response.Headers.ETag = asset.ETag;
        context.Response.Headers.CacheControl = "public, max-age=86400";
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Bytes, asset.ContentType);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
