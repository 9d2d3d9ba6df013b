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
    /// <summary>
    /// The routes read their query strings as text, to answer bad values with a 400 naming the
    /// parameter; the document states what they accept.
    /// </summary>
    private static readonly Dictionary<string, (string Description, Func<OpenApiSchema> Schema)> QueryParameters = new(StringComparer.Ordinal)
    {
        ["offset"] = ("Users to skip (default 0).", () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0", Default = 0 }),
        ["limit"] = ("Users to return, 1-500 (default 100).", () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = "500", Default = 100 }),
        ["order"] = ("Order by username.", () => Enum("ASC", "DESC")),
        ["mode"] = ("reset sets the used quota (the default); add adds to it.", () => Enum("reset", "add")),
        ["loaddata.mode"] = ("0 adds new users and admins and updates existing ones (the default); 1 only adds.", () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Enum = [0, 1], Default = 0 }),
        ["output_file"] = ("A plain file name (letters, digits, '.', '-', '_') written in httpd.backups_path; omitted: the dump is the response body.", () => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]*$" }),
        ["input_file"] = ("A dump file name in httpd.backups_path to restore instead of the body.", () => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]*$" }),
    };

    private static OpenApiSchema Enum(params string[] values) =>
        new() { Type = JsonSchemaType.String, Enum = [.. values.Select(v => (System.Text.Json.Nodes.JsonNode)v)] };

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
        // The document describes the API only; web pages and /metrics are not part of it even if
        // a route forgets ExcludeFromDescription.
        foreach (var path in document.Paths.Keys.Where(p => !p.StartsWith("/api/v1/", StringComparison.Ordinal)).ToList())
        {
            document.Paths.Remove(path);
        }

        foreach (var (path, item) in document.Paths)
        {
            foreach (var (_, operation) in item.Operations ?? [])
            {
                operation.Security = [path == "/api/v1/token" ? basic : bearer];
                foreach (var parameter in operation.Parameters ?? [])
                {
                    if (parameter is OpenApiParameter { In: ParameterLocation.Query } query && QueryParameters.TryGetValue(path.EndsWith("/loaddata", StringComparison.Ordinal) && query.Name == "mode" ? "loaddata.mode" : query.Name ?? "", out var described))
                    {
                        query.Description = described.Description;
                        query.Schema = described.Schema();
                    }
                }

                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Missing, invalid, expired or revoked credentials (a problem document)" });
            }
        }

        return Task.CompletedTask;
    }
}
