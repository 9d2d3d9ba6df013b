using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Wharf.Server.Http;

/// <summary>
/// Strict JSON for request bodies: unknown members are refused (a typo must not be silently
/// ignored), so are members given twice at any depth, dictionary keys included (with "last one
/// wins" a body could mean one thing to a proxy or validator in front and another to the server),
/// and any error becomes a 400 naming the JSON path at fault.
/// </summary>
public static class ApiJson
{
    /// <summary>Options for reading request bodies.</summary>
    public static JsonSerializerOptions Strict { get; } = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 32,
    };

    /// <summary>Options for responses.</summary>
    public static JsonSerializerOptions Output { get; } = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The largest body most routes accept (a user is a few kilobytes).</summary>
    public const long DefaultMaxBody = 1024 * 1024;

    /// <summary>
    /// Reads the body as <typeparamref name="T"/>; on failure returns the problem to send instead:
    /// 415 for a body that is not JSON, 413 above <paramref name="maxBytes"/>, 400 naming the field.
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, long maxBytes = DefaultMaxBody, JsonSerializerOptions? options = null)
        where T : class
    {
        if (LimitBody(request, maxBytes) is { } tooLarge)
        {
            return (null, tooLarge);
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options ?? Strict, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return value is null ? (null, Problems.BadRequest("the body is empty or null")) : (value, null);
        }
        catch (JsonException ex)
        {
            string field = FieldOf(ex);
            // A document that is not JSON at all has no field to name.
            return (null, Problems.BadRequest($"invalid JSON at {ex.Path ?? "$"}: {Reason(ex)}", field.Length > 0 ? field : null));
        }
        catch (BadHttpRequestException ex)
        {
            return (null, Problems.Create(ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? $"the body is larger than {maxBytes} bytes" : ex.Message));
        }
    }

    /// <summary>
    /// Checks the content type and caps the body at <paramref name="maxBytes"/> (Kestrel then stops
    /// reading there); the problem to send when the request already fails.
    /// </summary>
    public static IResult? LimitBody(HttpRequest request, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.HasJsonContentType())
        {
            return UnsupportedMediaType(request);
        }

        if (request.ContentLength > maxBytes)
        {
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, $"the body is larger than {maxBytes} bytes");
        }

        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        return null;
    }

    /// <summary>415 naming the media type sent and the one expected.</summary>
    public static IResult UnsupportedMediaType(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string sent = string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"Content-Type '{request.ContentType}'";
        return Problems.Create(StatusCodes.Status415UnsupportedMediaType, $"unsupported media type: the body must be JSON (Content-Type: application/json), not {sent}");
    }

    /// <summary>True when <paramref name="ex"/> is about a member (or dictionary key) given twice.</summary>
    public static bool IsDuplicate(JsonException ex) =>
        ex?.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The member name a JSON error is about, from its path (<c>$.permissions./</c> → permissions).</summary>
    public static string FieldOf(JsonException ex)
    {
        string path = ex.Path ?? "$";
        if (ex.Message.Contains("could not be mapped", StringComparison.Ordinal) && UnknownMember(ex.Message) is { } unknown)
        {
            return unknown;
        }

        var trimmed = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        int end = trimmed.IndexOfAny(['.', '[']);
        return end < 0 ? trimmed : trimmed[..end];
    }

    private static string? UnknownMember(string message)
    {
        // "The JSON property 'x' could not be mapped to any .NET member contained in type '...'."
        int start = message.IndexOf('\'', StringComparison.Ordinal);
        int end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end] : null;
    }

    private static string Reason(JsonException ex) =>
        ex.Message.Contains("could not be mapped", StringComparison.Ordinal) && UnknownMember(ex.Message) is { } unknown
            ? $"unknown field '{unknown}'"
            : IsDuplicate(ex) ? $"duplicate field '{FieldOf(ex)}' (each member may appear once)"
            : ex.Message.Split(" Path:", 2)[0];
}
