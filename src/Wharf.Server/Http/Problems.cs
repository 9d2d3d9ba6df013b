using Microsoft.AspNetCore.Http;
using Wharf.Server.Data;

namespace Wharf.Server.Http;

/// <summary>
/// RFC 9457 problem details for every error the HTTP layer returns. Validation problems name
/// the offending JSON field in a <c>field</c> member, so a client can point at it.
/// </summary>
public static class Problems
{
    /// <summary>The media type of problem documents.</summary>
    public const string ContentType = "application/problem+json";

    /// <summary>A problem result with <paramref name="status"/>, a short title from the status, and the detail.</summary>
    public static IResult Create(int status, string detail, string? field = null)
    {
        var extensions = new Dictionary<string, object?>();
        if (field is not null)
        {
            extensions["field"] = field;
        }

        return TypedResults.Problem(detail: detail, statusCode: status, title: Title(status), type: $"https://httpstatuses.io/{status}", extensions: extensions);
    }

    /// <summary>400 naming the field.</summary>
    public static IResult BadRequest(string detail, string? field = null) => Create(StatusCodes.Status400BadRequest, detail, field);

    /// <summary>404.</summary>
    public static IResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, detail);

    /// <summary>Maps a data provider failure to its status: validation 400, not found 404, conflict 409, unavailable 503.</summary>
    public static IResult From(DataProviderException ex) => ex.Error switch
    {
        DataProviderError.Validation => BadRequest(ex.Message, ex.Field),
        DataProviderError.NotFound => NotFound(ex.Message),
        DataProviderError.Conflict => Create(StatusCodes.Status409Conflict, ex.Message, ex.Field),
        _ => Create(StatusCodes.Status503ServiceUnavailable, ex.Message),
    };

    /// <summary>The reason phrase used as title.</summary>
    public static string Title(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
    };
}
