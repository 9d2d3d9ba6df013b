using Wharf.Server.Accounts;
using Wharf.Server.Accounts.Passwords;
using Wharf.Server.Configuration;

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
    public Task<User> AddAsync(User user, CancellationToken cancellationToken = default)
    {
        EnsureManaged();
        Prepare(user);
        return _provider.AddUserAsync(user, cancellationToken);
    }

    /// <summary>Validates, hashes and replaces a user (its used quota is kept).</summary>
    public Task UpdateAsync(User user, CancellationToken cancellationToken = default)
    {
        EnsureManaged();
        Prepare(user);
        return _provider.UpdateUserAsync(user, cancellationToken);
    }

    /// <summary>Deletes a user; false when there was none.</summary>
    public Task<bool> DeleteAsync(string username, CancellationToken cancellationToken = default)
    {
        EnsureManaged();
        return _provider.DeleteUserAsync(username, cancellationToken);
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
