using System.Text.Json;
using Wharf.Server.Accounts;

namespace Wharf.Server.Tests.Data;

internal static class TestAdmins
{
    /// <summary>A supported hash (pbkdf2-sha256), so services store it as is.</summary>
    public const string Hash = TestUsers.Hash;

    public const string OtherHash = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";

    public static Admin Make(string name) => new()
    {
        Username = name,
        Password = Hash,
        Status = 1,
        Email = name.ToLowerInvariant() + "@example.org",
        Description = "admin " + name,
    };

    /// <summary>The admin as JSON without its id, for comparisons.</summary>
    public static string Json(Admin admin)
    {
        var copy = JsonSerializer.Deserialize<Admin>(JsonSerializer.Serialize(admin))!;
        copy.Id = 0;
        return JsonSerializer.Serialize(copy);
    }
}
