using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Wharf.Server.Http;

/// <summary>
/// Strict JSON for request bodies: unknown members are refused (a typo must not be silently
/// ignored) and any error becomes a 400 naming the JSON path at fault.
/// </summary>
public static class ApiJson
{
    /// <summary>Options for reading request bodies.</summary>
    public static JsonSerializerOptions Strict { get; } = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 32,
    };

    /// <summary>Options for responses.</summary>
    public static JsonSerializerOptions Output { get; } = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads the body as <typeparamref name="T"/>; on failure returns the 400/415 problem to send instead.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "the body must be JSON (Content-Type: application/json)"));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Strict, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return value is null ? (null, Problems.BadRequest("the body is empty or null")) : (value, null);
        }
        catch (JsonException ex)
        {
            string field = FieldOf(ex);
            return (null, Problems.BadRequest($"invalid JSON at {ex.Path ?? "$"}: {Reason(ex)}", field));
        }
    }

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
            : ex.Message.Split(" Path:", 2)[0];
}
