using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Wharf.Server.Http;

/// <summary>
/// Makes the generated document stable and complete: a fixed title and API version (not the build's,
/// so docs/openapi.json does not change with every commit), no server list (it would carry the
/// port of whichever instance served it), and the security schemes — Bearer everywhere, HTTP
/// Basic only to get a token.
/// </summary>
internal sealed class OpenApiDocumentSetup : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Wharf REST API",
            Version = "1",
            Description = "Users, quota, active connections, backup and restore, and administrators of a Wharf SFTP server. "
                + "Every route needs an admin bearer token from GET /api/v1/token (HTTP Basic). Errors are RFC 9457 problem details; "
                + "validation errors name the offending field in a 'field' member.",
        };
        document.Servers?.Clear();
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An admin token from GET /api/v1/token, valid 20 minutes.",
        };
        document.Components.SecuritySchemes["basic"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "basic",
            Description = "Admin username and password; accepted only by GET /api/v1/token.",
        };
        var bearer = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] };
        var basic = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("basic", document)] = [] };
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (_, operation) in item.Operations ?? [])
            {
                operation.Security = [path == "/api/v1/token" ? basic : bearer];
                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Missing, invalid, expired or revoked credentials (a problem document)" });
            }
        }

        return Task.CompletedTask;
    }
}
