using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wharf.Server.Data;
using Wharf.Server.Events;

namespace Wharf.Server.Actions;

/// <summary>
/// What one event turns into: the command's arguments and environment, and the HTTP
/// notification's query and body. Built on a worker, never on the thread that raised the event.
/// </summary>
internal sealed record ActionInvocation
{
    /// <summary>"sftpd" or "data_provider", for the log.</summary>
    public required string Section { get; init; }

    public required string Action { get; init; }

    public required string Username { get; init; }

    /// <summary>The affected path (sftpd) or home dir (data_provider), for the log.</summary>
    public string Path { get; init; } = "";

    /// <summary>The command's arguments, in the seed's order.</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>Variables added to the command's (otherwise minimal) environment.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; }

    /// <summary>Parameters appended to the notification URL's query.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Query { get; init; }

    /// <summary>A JSON body: the notification is a POST when set, a GET otherwise.</summary>
    public byte[]? JsonBody { get; init; }

    /// <summary>An sftpd action: always five arguments (action, username, path, target_path, ssh_cmd), empty where they do not apply.</summary>
    public static ActionInvocation ForFile(FileActionEvent e)
    {
        var query = new List<KeyValuePair<string, string>>
        {
            new("action", e.Action),
            new("username", e.Username),
            new("path", e.Path),
        };
        if (e.Action == FileActions.Rename)
        {
            query.Add(new("target_path", e.TargetPath));
        }

        if (e.Action == FileActions.SshCommand)
        {
            query.Add(new("ssh_cmd", e.SshCommand));
        }

        var env = new List<KeyValuePair<string, string>>();
        void Both(string name, string value)
        {
            // SFTPGo's names too, so hooks written for SFTPGo run unchanged.
            env.Add(new("WHARF_" + name, value));
            env.Add(new("SFTPGO_" + name, value));
        }

        Both("ACTION", e.Action);
        Both("ACTION_USERNAME", e.Username);
        Both("ACTION_PATH", e.Path);
        Both("ACTION_TARGET", e.TargetPath);
        Both("ACTION_SSH_CMD", e.SshCommand);
        Both("ACTION_VIRTUAL_PATH", e.VirtualPath);
        Both("ACTION_VIRTUAL_TARGET", e.VirtualTargetPath);
        Both("ACTION_FILE_SIZE", e.Bytes.ToString(CultureInfo.InvariantCulture));
        Both("ACTION_PROTOCOL", e.Protocol);
        Both("ACTION_SESSION_ID", e.ConnectionId);

        return new ActionInvocation
        {
            Section = "sftpd",
            Action = e.Action,
            Username = e.Username,
            Path = e.Path,
            Arguments = [e.Action, e.Username, e.Path, e.TargetPath, e.SshCommand],
            Environment = env,
            Query = query,
        };
    }

    /// <summary>A data_provider action: arguments action, username, ID, status, expiration_date, home_dir, uid, gid; the user as JSON, without its password hash.</summary>
    public static ActionInvocation ForUser(UserChangedEvent e)
    {
        var u = e.User;
        string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
        string[] args = [e.Action, u.Username, Number(u.Id), Number(u.Status), Number(u.ExpirationDate), u.HomeDir, Number(u.Uid), Number(u.Gid)];
        byte[] json = UserJson(u);
        string jsonText = System.Text.Encoding.UTF8.GetString(json);
        string[] names = ["ACTION", "USERNAME", "ID", "STATUS", "EXPIRATION_DATE", "HOME_DIR", "UID", "GID"];
        var env = new List<KeyValuePair<string, string>>(names.Length + 5);
        for (int i = 0; i < names.Length; i++)
        {
            env.Add(new("WHARF_USER_" + names[i], args[i]));
        }

        env.Add(new("WHARF_USER_JSON", jsonText));
        env.Add(new("SFTPGO_PROVIDER_ACTION", e.Action));
        env.Add(new("SFTPGO_PROVIDER_OBJECT_TYPE", "user"));
        env.Add(new("SFTPGO_PROVIDER_OBJECT_NAME", u.Username));
        env.Add(new("SFTPGO_PROVIDER_OBJECT", jsonText));

        return new ActionInvocation
        {
            Section = "data_provider",
            Action = e.Action,
            Username = u.Username,
            Path = u.HomeDir,
            Arguments = args,
            Environment = env,
            Query = [new("action", e.Action)],
            JsonBody = json,
        };
    }

    /// <summary>The user with the User class's JSON names; the password hash never leaves the server.</summary>
    internal static byte[] UserJson(Accounts.User user)
    {
        var node = JsonSerializer.SerializeToNode(user, DataJson.Compact)!.AsObject();
        node.Remove("password");
        return JsonSerializer.SerializeToUtf8Bytes<JsonNode>(node, DataJson.Compact);
    }
}
