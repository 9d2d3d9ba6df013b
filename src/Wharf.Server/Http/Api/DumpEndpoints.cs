using System.Text;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Wharf.Server.Data;

namespace Wharf.Server.Http.Api;

/// <summary>
/// Backup and restore: /api/v1/dumpdata returns every user and admin (password hashes included, so
/// the dump restores logins) or writes it to a file in httpd.backups_path; /api/v1/loaddata restores a dump
/// sent as the body or read from that directory, with the modes of <c>wharf user import</c>.
/// </summary>
public static partial class DumpEndpoints
{
    /// <summary>The largest dump accepted as a body (the Kestrel limit).</summary>
    public const long MaxDumpBytes = 64L * 1024 * 1024;

    /// <summary>Maps the routes on the /api/v1 group.</summary>
    public static void Map(RouteGroupBuilder api, HttpDependencies deps)
    {
        var group = api.MapGroup("").WithTags("backup");
        group.MapGet("/dumpdata", (string? output_file, CancellationToken ct) => DumpAsync(deps, output_file, ct))
            .WithName("dumpData").WithSummary("Every user as a dump; with output_file the dump is written to that file in httpd.backups_path instead")
            .Produces<DataDump>().Produces<DumpFileResult>(201).ProducesProblem(400).ProducesProblem(500);
        group.MapPost("/loaddata", (string? mode, string? input_file, HttpRequest request) => LoadAsync(deps, mode, input_file, request))
            .WithName("loadData").WithSummary("Restores users from a dump (the body, or input_file in httpd.backups_path); mode 0 adds and updates, 1 only adds")
            .Accepts<DataDump>("application/json").Produces<LoadDataResult>()
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);
    }

    /// <summary>
    /// A plain file name for the backups directory: letters, digits, dot, dash and underscore, not
    /// starting with a dot — so no separator, no "..", nothing outside the directory.
    /// </summary>
    public static bool IsValidFileName(string name) => name.Length <= 200 && FileNameRegex().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNameRegex();

    private static string BackupsPath(HttpDependencies deps) => deps.Config.ResolvePath(deps.Config.Httpd.BackupsPath);

    private static async Task<IResult> DumpAsync(HttpDependencies deps, string? outputFile, CancellationToken ct)
    {
        if (outputFile is not null && !IsValidFileName(outputFile))
        {
            return Problems.BadRequest("output_file must be a plain file name (letters, digits, '.', '-', '_'; no path, not starting with '.')", "output_file");
        }

        DataDump dump;
        try
        {
            dump = await DataDump.DumpAsync(deps.Service.Provider, ct).ConfigureAwait(false);
        }
        catch (DataProviderException ex)
        {
            return Problems.From(ex);
        }

        if (outputFile is null)
        {
            return TypedResults.Text(dump.ToJson(), "application/json", Encoding.UTF8);
        }

        string directory = BackupsPath(deps);
        string path = Path.Combine(directory, outputFile);
        try
        {
            Directory.CreateDirectory(directory);
            // Written beside the target and renamed, so a reader never sees half a dump; 0600
            // because it holds password hashes.
            string temp = Path.Combine(directory, $".{outputFile}.{Guid.NewGuid():N}.tmp");
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(dump.ToJson()), ct).ConfigureAwait(false);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            deps.Log.Write("error", "httpd", $"cannot write dump {path}: {ex.Message}");
            return Problems.Create(StatusCodes.Status500InternalServerError, $"cannot write the dump in the backups directory: {ex.Message}");
        }

        return TypedResults.Json(new DumpFileResult(path, dump.Users.Count), ApiJson.Output, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> LoadAsync(HttpDependencies deps, string? modeText, string? inputFile, HttpRequest request)
    {
        if (!UserEndpoints.TryQueryInt(modeText, 0, out int mode) || mode is not (0 or 1))
        {
            return Problems.BadRequest("mode must be 0 (add new users and update existing ones) or 1 (add new users only)", "mode");
        }

        var ct = request.HttpContext.RequestAborted;
        string text;
        if (inputFile is not null)
        {
            if (!IsValidFileName(inputFile))
            {
                return Problems.BadRequest("input_file must be a plain file name in the backups directory", "input_file");
            }

            string path = Path.Combine(BackupsPath(deps), inputFile);
            if (!File.Exists(path))
            {
                return Problems.NotFound($"no dump named '{inputFile}' in the backups directory");
            }

            if (new FileInfo(path).Length > MaxDumpBytes)
            {
                return Problems.Create(StatusCodes.Status413PayloadTooLarge, $"the dump is larger than {MaxDumpBytes} bytes");
            }

            text = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
        }
        else
        {
            if (ApiJson.LimitBody(request, MaxDumpBytes) is { } problem)
            {
                return problem;
            }

            try
            {
                using var reader = new StreamReader(request.Body, Encoding.UTF8);
                text = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
            }
            catch (BadHttpRequestException ex)
            {
                return Problems.Create(ex.StatusCode, ex.Message);
            }
        }

        try
        {
            var dump = DataDump.Parse(text);
            var result = await DataDump.RestoreAsync(deps.Service.Provider, dump, (RestoreMode)mode, deps.Config.DataProvider, cancellationToken: ct).ConfigureAwait(false);
            return TypedResults.Json(new LoadDataResult(result.Added, result.Updated, result.Skipped, result.AdminsAdded, result.AdminsUpdated, result.AdminsSkipped), ApiJson.Output);
        }
        catch (DataProviderException ex)
        {
            return Problems.From(ex);
        }
    }
}

/// <summary>Where a dump was written.</summary>
public sealed record DumpFileResult(
    [property: JsonPropertyName("output_file")] string OutputFile,
    [property: JsonPropertyName("users")] int Users);

/// <summary>What a restore did: users added, updated and skipped, then the same for admins.</summary>
public sealed record LoadDataResult(
    [property: JsonPropertyName("added")] int Added,
    [property: JsonPropertyName("updated")] int Updated,
    [property: JsonPropertyName("skipped")] int Skipped,
    [property: JsonPropertyName("admins_added")] int AdminsAdded,
    [property: JsonPropertyName("admins_updated")] int AdminsUpdated,
    [property: JsonPropertyName("admins_skipped")] int AdminsSkipped);
