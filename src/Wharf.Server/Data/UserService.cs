using Wharf.Server.Accounts;
using Wharf.Server.Accounts.Passwords;
using Wharf.Server.Configuration;
using Wharf.Server.Events;

namespace Wharf.Server.Data;

/// <summary>
/// Writes users the way every front end (CLI, restore, REST API) must: validated with
/// <see cref="UserValidator"/>, password hashed, and refused when manage_users is 0.
/// </summary>
public sealed class UserService
{
    private readonly IDataProvider _provider;
    private readonly DataProviderConfig _config;
    private readonly Func<string, string> _hashPassword;

    /// <summary>Creates the service; <paramref name="passwordHasher"/> defaults to <see cref="PasswordHasher.HashIfNeeded"/>.</summary>
    public UserService(IDataProvider provider, DataProviderConfig config, Func<string, string>? passwordHasher = null)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(config);
        _provider = provider;
        _config = config;
        _hashPassword = passwordHasher ?? PasswordHasher.HashIfNeeded;
    }

    /// <summary>Told of every add, update and delete made through this service (data_provider actions, audit).</summary>
    public ServerEvents? Events { get; init; }

    /// <summary>The underlying provider.</summary>
    public IDataProvider Provider => _provider;

    /// <summary>Validates and normalises <paramref name="user"/> in place and hashes its password (when not already a hash).</summary>
    public void Prepare(User user)
    {
        UserValidator.Validate(user, _config);
        if (!string.IsNullOrEmpty(user.Password))
        {
            user.Password = _hashPassword(user.Password);
        }
    }

    /// <summary>Validates, hashes and adds a user; returns the stored user with its id.</summary>
    public async Task<User> AddAsync(User user, CancellationToken cancellationToken = default)
    {
        EnsureManaged();
        Prepare(user);
        var added = await _provider.AddUserAsync(user, cancellationToken).ConfigureAwait(false);
        Events?.Raise(new UserChangedEvent(UserActions.Add, added));
        return added;
    }

    /// <summary>Validates, hashes and replaces a user (its used quota is kept).</summary>
    public async Task UpdateAsync(User user, CancellationToken cancellationToken = default)
    {
        EnsureManaged();
        Prepare(user);
        await _provider.UpdateUserAsync(user, cancellationToken).ConfigureAwait(false);
        if (Events is not null && await _provider.GetUserAsync(user.Username, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            Events.Raise(new UserChangedEvent(UserActions.Update, stored));
        }
    }

    /// <summary>Deletes a user; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string username, CancellationToken cancellationToken = default)
    {
        EnsureManaged();
        var before = Events is null ? null : await _provider.GetUserAsync(username, cancellationToken).ConfigureAwait(false);
        bool deleted = await _provider.DeleteUserAsync(username, cancellationToken).ConfigureAwait(false);
        if (deleted && before is not null)
        {
            Events!.Raise(new UserChangedEvent(UserActions.Delete, before));
        }

        return deleted;
    }

    /// <summary>Throws Validation (field manage_users) when users management is disabled.</summary>
    public void EnsureManaged()
    {
        if (_config.ManageUsers == 0)
        {
            throw new DataProviderException(DataProviderError.Validation, "manage_users: users management is disabled (manage_users is 0)", "manage_users");
        }
    }
}
