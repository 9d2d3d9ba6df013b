using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>The data_provider section (SFTPGo's names).</summary>
public sealed class DataProviderConfig
{
    /// <summary>sqlite (default), postgresql or memory.</summary>
    [JsonPropertyName("driver")] public string Driver { get; set; } = "sqlite";

    /// <summary>sqlite: database file (relative to the config dir); postgresql: database name; memory: optional JSON dump to load.</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "wharf.db";

    /// <summary>postgresql: server host (empty: the driver's default).</summary>
    [JsonPropertyName("host")] public string Host { get; set; } = "";

    /// <summary>postgresql: server port.</summary>
    [JsonPropertyName("port")] public int Port { get; set; } = 5432;

    /// <summary>postgresql: user name.</summary>
    [JsonPropertyName("username")] public string Username { get; set; } = "";

    /// <summary>postgresql: password.</summary>
    [JsonPropertyName("password")] public string Password { get; set; } = "";

    /// <summary>postgresql: 0 disable, 1 require, 2 verify-ca, 3 verify-full.</summary>
    [JsonPropertyName("sslmode")] public int SslMode { get; set; }

    /// <summary>When set, used instead of the fields above.</summary>
    [JsonPropertyName("connection_string")] public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The users table's name (SFTPGo 0.9's option). Only "users", the name Wharf's schema and
    /// SFTPGo's default use, is accepted for now; another name is refused rather than ignored.
    /// </summary>
    [JsonPropertyName("users_table")] public string UsersTable { get; set; } = "users";

    /// <summary>0: users are read-only (e.g. a database view).</summary>
    [JsonPropertyName("manage_users")] public int ManageUsers { get; set; } = 1;

    /// <summary>0 off, 1 track and enforce, 2 track only for users with a quota.</summary>
    [JsonPropertyName("track_quota")] public int TrackQuota { get; set; } = 1;

    /// <summary>Maximum open connections (0: driver default).</summary>
    [JsonPropertyName("pool_size")] public int PoolSize { get; set; }

    /// <summary>When set, a user without home_dir gets users_base_dir/username.</summary>
    [JsonPropertyName("users_base_dir")] public string UsersBaseDir { get; set; } = "";

    /// <summary>Command and/or URL notified when users are added, updated or deleted.</summary>
    [JsonPropertyName("actions")] public ActionsConfig Actions { get; set; } = new();
}
