using System.Text.Json;
using Wharf.Server.Accounts;

namespace Wharf.Server.Tests.Data;

internal static class TestUsers
{
    public const string Hash = "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=";
    public const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOJKgl2KOpCdXLA6bW3p2Pa2UBr5mJL0LrajcmTktf9g test@wharf";

    /// <summary>Stands in for PasswordHasher.HashIfNeeded: values starting with '$' count as hashes.</summary>
    public static string Hasher(string value) => value.StartsWith('$') ? value : "$test$" + value;

    public static User Make(string name) => new()
    {
        Username = name,
        Password = Hash,
        PublicKeys = [Key],
        Status = 1,
        ExpirationDate = 1_900_000_000_000,
        HomeDir = "/srv/sftp/" + name,
        Uid = 1001,
        Gid = 1002,
        MaxSessions = 3,
        QuotaSize = 1 << 30,
        QuotaFiles = 1000,
        Permissions = new() { ["/"] = ["list", "download"], ["/in"] = ["*"] },
        UploadBandwidth = 100,
        DownloadBandwidth = 200,
        AllowedIp = ["192.0.2.0/24", "2001:db8::/32"],
        DeniedIp = ["192.0.2.7/32"],
    };

    /// <summary>The user as JSON without its id, for comparisons.</summary>
    public static string Json(User user)
    {
        var copy = JsonSerializer.Deserialize<User>(JsonSerializer.Serialize(user))!;
        copy.Id = 0;
        return JsonSerializer.Serialize(copy);
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Wharf.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Wharf.slnx not found above " + AppContext.BaseDirectory);
    }

    public static string NewTempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "wharf-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
