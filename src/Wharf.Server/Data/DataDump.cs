using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Wharf.Server.Accounts;
using Wharf.Server.Configuration;

namespace Wharf.Server.Data;

/// <summary>
/// A backup: SFTPGo's dump shape (<c>{"users": [...], "admins": [...]}</c>; a dump without
/// "admins" restores users only). Passwords are kept hashed. Reading never drops what it does
/// not understand: a member Wharf has no property for is refused by its path (for example
/// <c>users[0].filters.file_patterns is not supported</c>), unless its value is null, false, 0,
/// "", [] or {} — what SFTPGo itself reads as "not set", so nothing is lost.
/// </summary>
public sealed class DataDump
{
    /// <summary>The users, with SFTPGo's property names.</summary>
    [JsonPropertyName("users")] public List<User> Users { get; set; } = [];

    /// <summary>The administrators (password hashes included, as SFTPGo dumps them).</summary>
    [JsonPropertyName("admins")] public List<Admin> Admins { get; set; } = [];

    /// <summary>Reads a dump from JSON text.</summary>
    /// <exception cref="DataProviderException">Validation (field users) for malformed JSON.</exception>
    public static DataDump Parse(string json)
    {
        try
        {
            using (var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 }))
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new DataProviderException(DataProviderError.Validation, $"invalid dump: a JSON object with \"users\" is expected, not {document.RootElement.ValueKind}", "users");
                }

                RefuseUnknownMembers(document.RootElement, DataJson.DumpInput.GetTypeInfo(typeof(DataDump)), "");
            }

            var dump = JsonSerializer.Deserialize<DataDump>(json, DataJson.DumpInput) ?? new DataDump();
            dump.Users ??= [];
            dump.Admins ??= [];
            return dump;
        }
        catch (JsonException ex) when (ex.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            string field = LastMember(ex.Path);
            throw new DataProviderException(DataProviderError.Validation, $"invalid dump: duplicate field '{field}' at {ex.Path ?? "$"} (each member may appear once)", field, ex);
        }
        catch (JsonException ex)
        {
            string at = ex.Path is { Length: > 1 } path ? $" (at {path.TrimStart('$').TrimStart('.')})" : "";
            throw new DataProviderException(DataProviderError.Validation, $"invalid dump: {ex.Message}{at}", "users", ex);
        }
    }

    /// <summary>The last member name of a JSON path: <c>$.users[0].home_dir</c> → home_dir.</summary>
    private static string LastMember(string? path)
    {
        string p = path ?? "$";
        int bracket = p.Length;
        while (bracket > 0 && p[bracket - 1] == ']')
        {
            bracket = p.LastIndexOf('[', bracket - 1);
        }

        p = p[..Math.Max(0, bracket)];
        int dot = p.LastIndexOf('.');
        return dot >= 0 ? p[(dot + 1)..] : "users";
    }

    /// <summary>
    /// Members that have no Wharf property but are understood: "version" numbers SFTPGo's dump
    /// format (Wharf checks every member instead), and an admin's "permissions" of ["*"] is what
    /// every Wharf admin has. Any other value of them is refused like an unknown member.
    /// </summary>
    private static bool IsUnderstood(Type owner, string name, JsonElement value) =>
        (owner == typeof(DataDump) && name == "version" && value.ValueKind == JsonValueKind.Number)
        || (owner == typeof(Admin) && name == "permissions" && value.ValueKind == JsonValueKind.Array
            && value.GetArrayLength() == 1 && value[0].ValueKind == JsonValueKind.String && value[0].GetString() == "*");

    /// <summary>
    /// Walks <paramref name="element"/> alongside the contract of the type it is read as and
    /// throws, naming the path, at the first member the type has no property for — the
    /// serializer would silently skip it, and a skipped restriction is an account opened.
    /// </summary>
    private static void RefuseUnknownMembers(JsonElement element, JsonTypeInfo info, string path)
    {
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when element.ValueKind == JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    string at = path.Length == 0 ? member.Name : $"{path}.{member.Name}";
                    var property = info.Properties.FirstOrDefault(p => p.Name == member.Name && p.Get is not null);
                    if (property is null)
                    {
                        if (IsZero(member.Value) || IsUnderstood(info.Type, member.Name, member.Value))
                        {
                            continue;
                        }

                        throw new DataProviderException(DataProviderError.Validation, $"{at} is not supported by Wharf (refused rather than ignored)", at);
                    }

                    RefuseUnknownMembers(member.Value, info.Options.GetTypeInfo(property.PropertyType), at);
                }

                break;
            case JsonTypeInfoKind.Enumerable when element.ValueKind == JsonValueKind.Array:
                var elementInfo = info.Options.GetTypeInfo(info.ElementType!);
                int i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    string at = $"{path}[{i++}]";
                    if (item.ValueKind == JsonValueKind.Null && elementInfo.Kind == JsonTypeInfoKind.Object)
                    {
                        throw new DataProviderException(DataProviderError.Validation, $"{at} is null", at);
                    }

                    RefuseUnknownMembers(item, elementInfo, at);
                }

                break;
            case JsonTypeInfoKind.Dictionary when element.ValueKind == JsonValueKind.Object:
                var valueInfo = info.Options.GetTypeInfo(info.ElementType!);
                foreach (var member in element.EnumerateObject())
                {
                    RefuseUnknownMembers(member.Value, valueInfo, $"{path}.{member.Name}");
                }

                break;
            default:
                // Scalars, and values of the wrong kind: the serializer reports those itself.
                break;
        }
    }

    /// <summary>Go's zero values: what SFTPGo reads exactly as if the member were absent.</summary>
    private static bool IsZero(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.False => true,
        JsonValueKind.Number => value.TryGetDecimal(out decimal d) && d == 0,
        JsonValueKind.String => value.GetString()!.Length == 0,
        JsonValueKind.Array => value.GetArrayLength() == 0,
        JsonValueKind.Object => value.EnumerateObject().All(m => IsZero(m.Value)),
        _ => false,
    };

    /// <summary>Reads a dump file.</summary>
    public static async Task<DataDump> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataProviderException(DataProviderError.NotFound, $"cannot read dump '{path}': {ex.Message}", null, ex);
        }

        return Parse(text);
    }

    /// <summary>The dump as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, DataJson.Indented);

    /// <summary>Every user and admin of <paramref name="provider"/>, in username order.</summary>
    public static async Task<DataDump> DumpAsync(IDataProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        const int Page = 500;
        var dump = new DataDump { Admins = [.. await provider.ListAdminsAsync(cancellationToken).ConfigureAwait(false)] };
        for (int offset = 0; ; offset += Page)
        {
            var page = await provider.ListUsersAsync(offset, Page, false, cancellationToken).ConfigureAwait(false);
            dump.Users.AddRange(page);
            if (page.Count < Page)
            {
                return dump;
            }
        }
    }

    /// <summary>
    /// Restores the users and admins of <paramref name="dump"/> into <paramref name="provider"/>.
    /// Every user and admin is validated (users with <paramref name="config"/>, default settings
    /// when null) before anything is written; passwords are hashed with
    /// <paramref name="passwordHasher"/> unless already hashed. New users and admins keep the
    /// dump's used quota and last login; updated ones keep theirs. A restore that would leave no
    /// active admin where there was one is refused.
    /// </summary>
    /// <exception cref="DataProviderException">Validation for a bad or duplicated user or admin, naming the field.</exception>
    public static async Task<RestoreResult> RestoreAsync(IDataProvider provider, DataDump dump, RestoreMode mode,
        DataProviderConfig? config = null, Func<string, string>? passwordHasher = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(dump);
        var service = new UserService(provider, config ?? new DataProviderConfig(), passwordHasher);
        service.EnsureManaged();
        var users = new List<User>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var original in dump.Users ?? [])
        {
            if (original is null)
            {
                continue;
            }

            var user = DataJson.Clone(original);
            try
            {
                service.Prepare(user);
            }
            catch (DataProviderException ex) when (ex.Error == DataProviderError.Validation)
            {
                throw new DataProviderException(DataProviderError.Validation, $"user '{original.Username}': {ex.Message}", ex.Field, ex);
            }

            if (!seen.Add(user.Username))
            {
                throw new DataProviderException(DataProviderError.Validation, $"username: '{user.Username}' appears twice in the dump", "username");
            }

            users.Add(user);
        }

        var admins = PrepareAdmins(new AdminService(provider, passwordHasher), dump.Admins ?? []);
        await EnsureAnActiveAdminRemainsAsync(provider, admins, mode, cancellationToken).ConfigureAwait(false);

        int added = 0, updated = 0, skipped = 0;
        foreach (var user in users)
        {
            var existing = await provider.GetUserAsync(user.Username, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                try
                {
                    await provider.AddUserAsync(user, cancellationToken).ConfigureAwait(false);
                    added++;
                    continue;
                }
                catch (DataProviderException ex) when (ex.Error == DataProviderError.Conflict)
                {
                    // Added meanwhile by someone else: treat as existing.
                }
            }

            if (mode == RestoreMode.AddOnly)
            {
                skipped++;
                continue;
            }

            await provider.UpdateUserAsync(user, cancellationToken).ConfigureAwait(false);
            updated++;
        }

        var (adminsAdded, adminsUpdated, adminsSkipped) = await RestoreAdminsAsync(provider, admins, mode, cancellationToken).ConfigureAwait(false);
        return new RestoreResult(added, updated, skipped)
        {
            AdminsAdded = adminsAdded,
            AdminsUpdated = adminsUpdated,
            AdminsSkipped = adminsSkipped,
        };
    }

    private static List<Admin> PrepareAdmins(AdminService service, List<Admin> dumped)
    {
        var admins = new List<Admin>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var original in dumped)
        {
            if (original is null)
            {
                continue;
            }

            var admin = DataJson.Clone(original);
            try
            {
                service.Prepare(admin);
            }
            catch (DataProviderException ex) when (ex.Error == DataProviderError.Validation)
            {
                throw new DataProviderException(DataProviderError.Validation, $"admin '{original.Username}': {ex.Message}", ex.Field, ex);
            }

            if (!seen.Add(admin.Username))
            {
                throw new DataProviderException(DataProviderError.Validation, $"username: admin '{admin.Username}' appears twice in the dump", "username");
            }

            admins.Add(admin);
        }

        return admins;
    }

    /// <summary>Refuses, before anything is written, a restore that would disable every active admin.</summary>
    private static async Task EnsureAnActiveAdminRemainsAsync(IDataProvider provider, List<Admin> admins, RestoreMode mode, CancellationToken cancellationToken)
    {
        if (admins.Count == 0)
        {
            return;
        }

        var after = (await provider.ListAdminsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(a => a.Username, a => a.Status, StringComparer.Ordinal);
        if (!after.ContainsValue(1))
        {
            return;
        }

        foreach (var admin in admins)
        {
            if (mode == RestoreMode.AddAndUpdate || !after.ContainsKey(admin.Username))
            {
                after[admin.Username] = admin.Status;
            }
        }

        if (!after.ContainsValue(1))
        {
            throw new DataProviderException(DataProviderError.Validation, "status: the dump would disable every active admin", "status");
        }
    }

    private static async Task<(int Added, int Updated, int Skipped)> RestoreAdminsAsync(IDataProvider provider, List<Admin> admins, RestoreMode mode, CancellationToken cancellationToken)
    {
        int added = 0, updated = 0, skipped = 0;
        foreach (var admin in admins)
        {
            var existing = await provider.GetAdminAsync(admin.Username, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                try
                {
                    await provider.AddAdminAsync(admin, cancellationToken).ConfigureAwait(false);
                    added++;
                    continue;
                }
                catch (DataProviderException ex) when (ex.Error == DataProviderError.Conflict)
                {
                    // Added meanwhile by someone else: treat as existing.
                }
            }

            if (mode == RestoreMode.AddOnly)
            {
                skipped++;
                continue;
            }

            // Restoring an admin unchanged keeps its sessions; a restored password or status ends them.
            existing ??= await provider.GetAdminAsync(admin.Username, cancellationToken).ConfigureAwait(false);
            admin.SessionStamp = existing is null ? "" : AdminService.StampAfterUpdate(existing, admin);
            await provider.UpdateAdminAsync(admin, cancellationToken).ConfigureAwait(false);
            updated++;
        }

        return (added, updated, skipped);
    }
}
