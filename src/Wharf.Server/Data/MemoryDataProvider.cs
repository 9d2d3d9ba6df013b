using Wharf.Server.Accounts;
using Wharf.Server.Configuration;

namespace Wharf.Server.Data;

/// <summary>
/// Users and admins in process memory, lost at exit; optionally loaded at <see cref="InitializeAsync"/> from
/// a JSON dump file (<see cref="DataProviderConfig.Name"/>, relative to the config dir unless
/// absolute). A missing file is an error unless the name is empty or the default "wharf.db".
/// </summary>
public sealed class MemoryDataProvider : IDataProvider
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, User> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Admin> _admins = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _init = new(1, 1);
    private readonly DataProviderConfig _config;
    private readonly Func<string, string>? _passwordHasher;
    private readonly string? _dumpPath;
    private long _nextId = 1;
    private long _nextAdminId = 1;
    private bool _initialized;

    /// <summary>An empty provider, or one that loads <paramref name="config"/>'s dump file when initialised.</summary>
    public MemoryDataProvider(DataProviderConfig? config = null, string configDirectory = ".", Func<string, string>? passwordHasher = null)
    {
        _config = config ?? new DataProviderConfig { Name = "" };
        _passwordHasher = passwordHasher;
        string name = _config.Name ?? "";
        if (name.Length > 0)
        {
            string path = Path.GetFullPath(name, Path.GetFullPath(configDirectory ?? "."));
            if (name != new DataProviderConfig().Name || File.Exists(path))
            {
                _dumpPath = path;
            }
        }
    }

    /// <inheritdoc/>
    public string Driver => "memory";

    /// <summary>The dump file loaded at initialisation, or null.</summary>
    public string? DumpPath => _dumpPath;

    /// <inheritdoc/>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _init.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            if (_dumpPath is not null)
            {
                if (!File.Exists(_dumpPath))
                {
                    throw new DataProviderException(DataProviderError.Validation, $"name: dump file '{_dumpPath}' does not exist", "name");
                }

                var dump = await DataDump.LoadAsync(_dumpPath, cancellationToken).ConfigureAwait(false);
                var loadConfig = new DataProviderConfig { UsersBaseDir = _config.UsersBaseDir };
                await DataDump.RestoreAsync(this, dump, RestoreMode.AddAndUpdate, loadConfig, _passwordHasher, cancellationToken).ConfigureAwait(false);
            }

            _initialized = true;
        }
        finally
        {
            _init.Release();
        }
    }

    /// <inheritdoc/>
    public Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(_initialized ? SqlDataProvider.LatestSchemaVersion : 0);

    /// <inheritdoc/>
    public Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default) => Task.FromResult(true);

    /// <inheritdoc/>
    public Task<User?> GetUserAsync(string username, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_users.TryGetValue(username, out var u) ? DataJson.Clone(u) : null);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<User>> ListUsersAsync(int offset, int limit, bool descending = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_lock)
        {
            var ordered = descending
                ? _users.Values.OrderByDescending(u => u.Username, StringComparer.Ordinal)
                : _users.Values.OrderBy(u => u.Username, StringComparer.Ordinal);
            return Task.FromResult<IReadOnlyList<User>>([.. ordered.Skip(offset).Take(limit).Select(DataJson.Clone)]);
        }
    }

    /// <inheritdoc/>
    public Task<User> AddUserAsync(User user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        lock (_lock)
        {
            if (_users.ContainsKey(user.Username))
            {
                throw new DataProviderException(DataProviderError.Conflict, $"user '{user.Username}' already exists", "username");
            }

            var stored = DataJson.Clone(user);
            stored.Id = _nextId++;
            _users[stored.Username] = stored;
            return Task.FromResult(DataJson.Clone(stored));
        }
    }

    /// <inheritdoc/>
    public Task UpdateUserAsync(User user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        lock (_lock)
        {
            if (!_users.TryGetValue(user.Username, out var old))
            {
                throw NotFound(user.Username);
            }

            var stored = DataJson.Clone(user);
            stored.Id = old.Id;
            stored.UsedQuotaSize = old.UsedQuotaSize;
            stored.UsedQuotaFiles = old.UsedQuotaFiles;
            stored.LastQuotaUpdate = old.LastQuotaUpdate;
            stored.LastLogin = old.LastLogin;
            _users[stored.Username] = stored;
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc/>
    public Task<bool> DeleteUserAsync(string username, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_users.Remove(username));
        }
    }

    /// <inheritdoc/>
    public Task UpdateQuotaAsync(string username, long sizeDelta, int filesDelta, bool reset, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_users.TryGetValue(username, out var u))
            {
                throw NotFound(username);
            }

            u.UsedQuotaSize = reset ? sizeDelta : u.UsedQuotaSize + sizeDelta;
            u.UsedQuotaFiles = reset ? filesDelta : u.UsedQuotaFiles + filesDelta;
            u.LastQuotaUpdate = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc/>
    public Task UpdateLastLoginAsync(string username, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_users.TryGetValue(username, out var u))
            {
                throw NotFound(username);
            }

            u.LastLogin = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc/>
    public Task<Admin?> GetAdminAsync(string username, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_admins.TryGetValue(username, out var a) ? DataJson.Clone(a) : null);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<Admin>> ListAdminsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<Admin>>(
                [.. _admins.Values.OrderBy(a => a.Username, StringComparer.Ordinal).Select(DataJson.Clone)]);
        }
    }

    /// <inheritdoc/>
    public Task<Admin> AddAdminAsync(Admin admin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admin);
        lock (_lock)
        {
            if (_admins.ContainsKey(admin.Username))
            {
                throw new DataProviderException(DataProviderError.Conflict, $"admin '{admin.Username}' already exists", "username");
            }

            var stored = DataJson.Clone(admin);
            stored.Id = _nextAdminId++;
            stored.SessionStamp = Admin.NewSessionStamp();
            _admins[stored.Username] = stored;
            return Task.FromResult(DataJson.Clone(stored));
        }
    }

    /// <inheritdoc/>
    public Task UpdateAdminAsync(Admin admin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admin);
        lock (_lock)
        {
            if (!_admins.TryGetValue(admin.Username, out var old))
            {
                throw AdminNotFound(admin.Username);
            }

            var stored = DataJson.Clone(admin);
            stored.Id = old.Id;
            stored.LastLogin = old.LastLogin;
            if (stored.SessionStamp.Length == 0)
            {
                stored.SessionStamp = Admin.NewSessionStamp();
            }

            _admins[stored.Username] = stored;
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc/>
    public Task<bool> DeleteAdminAsync(string username, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_admins.Remove(username));
        }
    }

    /// <inheritdoc/>
    public Task UpdateAdminLastLoginAsync(string username, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_admins.TryGetValue(username, out var a))
            {
                throw AdminNotFound(username);
            }

            a.LastLogin = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _init.Dispose();
        return ValueTask.CompletedTask;
    }

    private static DataProviderException AdminNotFound(string username) =>
        new(DataProviderError.NotFound, $"admin '{username}' does not exist", "username");

    private static DataProviderException NotFound(string username) =>
        new(DataProviderError.NotFound, $"user '{username}' does not exist", "username");
}
