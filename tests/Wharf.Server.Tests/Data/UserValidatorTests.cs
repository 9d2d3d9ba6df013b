using Wharf.Server.Accounts;
using Wharf.Server.Configuration;
using Wharf.Server.Data;

namespace Wharf.Server.Tests.Data;

public sealed class UserValidatorTests
{
    public static TheoryData<string, string> Invalid => new()
    {
        { "empty username", "username" },
        { "long username", "username" },
        { "slash in username", "username" },
        { "NUL in username", "username" },
        { "control char in username", "username" },
        { "dot username", "username" },
        { "dotdot username", "username" },
        { "no password nor key", "password" },
        { "bad key", "public_keys" },
        { "status 2", "status" },
        { "negative expiration", "expiration_date" },
        { "relative home", "home_dir" },
        { "empty home", "home_dir" },
        { "negative uid", "uid" },
        { "negative gid", "gid" },
        { "negative max_sessions", "max_sessions" },
        { "negative quota_size", "quota_size" },
        { "negative quota_files", "quota_files" },
        { "negative upload_bandwidth", "upload_bandwidth" },
        { "negative download_bandwidth", "download_bandwidth" },
        { "no root permissions", "permissions" },
        { "relative permission dir", "permissions" },
        { "unknown permission", "permissions" },
        { "empty permission list", "permissions" },
        { "duplicate normalised dir", "permissions" },
        { "bad allowed_ip", "allowed_ip" },
        { "bare IP allowed_ip", "allowed_ip" },
        { "bad IPv6 denied_ip", "denied_ip" },
    };

    private static readonly Dictionary<string, Action<User>> Mutations = new()
    {
        ["empty username"] = u => u.Username = "",
        ["long username"] = u => u.Username = new string('a', 256),
        ["slash in username"] = u => u.Username = "a/b",
        ["NUL in username"] = u => u.Username = "a\0b",
        ["control char in username"] = u => u.Username = "a\nb",
        ["dot username"] = u => u.Username = ".",
        ["dotdot username"] = u => u.Username = "..",
        ["no password nor key"] = u => { u.Password = null; u.PublicKeys = []; },
        ["bad key"] = u => u.PublicKeys = ["ssh-ed25519 notbase64!"],
        ["status 2"] = u => u.Status = 2,
        ["negative expiration"] = u => u.ExpirationDate = -1,
        ["relative home"] = u => u.HomeDir = "srv/x",
        ["empty home"] = u => u.HomeDir = "",
        ["negative uid"] = u => u.Uid = -1,
        ["negative gid"] = u => u.Gid = -1,
        ["negative max_sessions"] = u => u.MaxSessions = -1,
        ["negative quota_size"] = u => u.QuotaSize = -1,
        ["negative quota_files"] = u => u.QuotaFiles = -1,
        ["negative upload_bandwidth"] = u => u.UploadBandwidth = -1,
        ["negative download_bandwidth"] = u => u.DownloadBandwidth = -1,
        ["no root permissions"] = u => u.Permissions = new() { ["/in"] = ["*"] },
        ["relative permission dir"] = u => u.Permissions["in"] = ["list"],
        ["unknown permission"] = u => u.Permissions["/"] = ["list", "fly"],
        ["empty permission list"] = u => u.Permissions["/in"] = [],
        ["duplicate normalised dir"] = u => u.Permissions["/in/"] = ["list"],
        ["bad allowed_ip"] = u => u.AllowedIp = ["300.1.2.0/24"],
        ["bare IP allowed_ip"] = u => u.AllowedIp = ["192.0.2.1"],
        ["bad IPv6 denied_ip"] = u => u.DeniedIp = ["2001:db8::/129"],
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Each_rule_names_its_field(string rule, string field)
    {
        var user = TestUsers.Make("valid");
        Mutations[rule](user);
        var ex = Assert.Throws<DataProviderException>(() => UserValidator.Validate(user, new DataProviderConfig()));
        Assert.Equal(DataProviderError.Validation, ex.Error);
        Assert.Equal(field, ex.Field);
        Assert.StartsWith(field + ":", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_user_passes_and_is_normalised()
    {
        var user = TestUsers.Make("valid");
        user.HomeDir = "/srv/./sftp//valid/";
        user.Permissions["/in/../out/"] = ["upload", "upload"];
        user.Password = null;
        user.PublicKeys = [$"restrict,command=\"x\" {TestUsers.Key}"];
        user.AllowedIp = ["10.0.0.0/8", "::1/128", "fe80::/10"];
        UserValidator.Validate(user, new DataProviderConfig());
        Assert.Equal("/srv/sftp/valid", user.HomeDir);
        Assert.Equal(["upload"], user.Permissions["/out"]);
        Assert.DoesNotContain("/in/../out/", user.Permissions.Keys);
    }

    [Fact]
    public void Password_alone_or_key_alone_is_enough()
    {
        var withPassword = TestUsers.Make("p");
        withPassword.PublicKeys = [];
        UserValidator.Validate(withPassword, new DataProviderConfig());
        var withKey = TestUsers.Make("k");
        withKey.Password = "";
        UserValidator.Validate(withKey, new DataProviderConfig());
    }

    [Fact]
    public void Username_of_255_characters_and_unicode_is_accepted()
    {
        var user = TestUsers.Make(new string('b', 255));
        UserValidator.Validate(user, new DataProviderConfig());
        UserValidator.Validate(TestUsers.Make("José.Ümlaut-1@example"), new DataProviderConfig());
    }

    [Fact]
    public void Empty_home_dir_is_derived_from_users_base_dir()
    {
        var user = TestUsers.Make("derived");
        user.HomeDir = "";
        UserValidator.Validate(user, new DataProviderConfig { UsersBaseDir = "/srv/users" });
        Assert.Equal("/srv/users/derived", user.HomeDir);

        var relativeBase = TestUsers.Make("derived");
        relativeBase.HomeDir = "";
        var ex = Assert.Throws<DataProviderException>(() => UserValidator.Validate(relativeBase, new DataProviderConfig { UsersBaseDir = "users" }));
        Assert.Equal("home_dir", ex.Field);
    }

    [Fact]
    public void Null_lists_from_json_become_empty()
    {
        var user = TestUsers.Make("nulls");
        user.AllowedIp = null!;
        user.DeniedIp = null!;
        UserValidator.Validate(user, new DataProviderConfig());
        Assert.Empty(user.AllowedIp);
        Assert.Empty(user.DeniedIp);
    }
}
