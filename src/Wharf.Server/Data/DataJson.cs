using System.Text.Json;
using System.Text.Json.Serialization;
using Wharf.Server.Accounts;

namespace Wharf.Server.Data;

/// <summary>JSON settings shared by the providers (list/map columns), dumps and the CLI.</summary>
internal static class DataJson
{
    public static JsonSerializerOptions Compact { get; } = ReadOnly(new());

    /// <summary>Read-only with the default resolver, so DataDump can walk the contract (GetTypeInfo) before first use.</summary>
    private static JsonSerializerOptions ReadOnly(JsonSerializerOptions options)
    {
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static JsonSerializerOptions Indented { get; } = new() { WriteIndented = true };

    /// <summary>
    /// For reading dumps (loaddata, restore, import): a member given twice is refused, so no part of a
    /// dump can silently replace another (members Wharf cannot map are refused by DataDump before this reads).
    /// Read-only, so DataDump can walk its contract.
    /// </summary>
    public static JsonSerializerOptions DumpInput { get; } = ReadOnly(new() { AllowDuplicateProperties = false });

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Compact);

    public static T DeserializeColumn<T>(string? text, string column)
        where T : new()
    {
        if (string.IsNullOrEmpty(text))
        {
            return new T();
        }

        try
        {
            return JsonSerializer.Deserialize<T>(text, Compact) ?? new T();
        }
        catch (JsonException ex)
        {
            throw new DataProviderException(DataProviderError.Unavailable, $"column {column} holds invalid JSON: {ex.Message}", column, ex);
        }
    }

    /// <summary>A deep copy, so callers never share state with a provider.</summary>
    public static User Clone(User user) =>
        JsonSerializer.Deserialize<User>(JsonSerializer.SerializeToUtf8Bytes(user, Compact), Compact)!;

    /// <summary>A deep copy of an admin.</summary>
    public static Admin Clone(Admin admin)
    {
        var copy = JsonSerializer.Deserialize<Admin>(JsonSerializer.SerializeToUtf8Bytes(admin, Compact), Compact)!;
        copy.SessionStamp = admin.SessionStamp; // not in JSON (never dumped), but part of the stored admin
        return copy;
    }
}
