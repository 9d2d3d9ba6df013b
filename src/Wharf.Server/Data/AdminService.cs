using Wharf.Server.Accounts;
using Wharf.Server.Accounts.Passwords;

namespace Wharf.Server.Data;

/// <summary>
/// Administrators as every front end (CLI, REST API, web admin, restore) must handle them:
/// validated with <see cref="AdminValidator"/>, passwords hashed, and never the last active admin
/// deleted or disabled, so nobody locks themselves out. Also the <see cref="IAdminDirectory"/> the
/// HTTP layer authenticates through.
/// </summary>
public sealed class AdminService : IAdminDirectory
{
    /// <summary>Environment variable naming the admin created at first start.</summary>
    public const string DefaultUsernameVariable = "WHARF_DEFAULT_ADMIN_USERNAME";

    /// <summary>Environment variable holding that admin's password.</summary>
    public const string DefaultPasswordVariable = "WHARF_DEFAULT_ADMIN_PASSWORD";

    // The last-admin check and the write it guards must not interleave with another such pair in
    // this process (two deletes racing would each see the other admin still active). Shared by
    // every instance because the CLI, the API and restores each create their own service.
    private static readonly SemaphoreSlim WriteLock = new(1, 1);

    private readonly IDataProvider _provider;
    private readonly Func<string, string> _hashPassword;

    /// <summary>Creates the service; <paramref name="passwordHasher"/> defaults to <see cref="PasswordHasher.HashIfNeeded"/>.</summary>
    public AdminService(IDataProvider provider, Func<string, string>? passwordHasher = null)
    {
        ArgumentNullException.ThrowIfNull(provider);
        _provider = provider;
        _hashPassword = passwordHasher ?? PasswordHasher.HashIfNeeded;
    }

    /// <summary>The underlying provider.</summary>
    public IDataProvider Provider => _provider;

    /// <summary>Validates and normalises <paramref name="admin"/> in place and hashes its password (when not already a hash).</summary>
    /// <param name="admin">The admin to prepare.</param>
    /// <param name="passwordRequired">False on updates: an empty password then means "keep the stored one".</param>
    public void Prepare(Admin admin, bool passwordRequired = true)
    {
        AdminValidator.Validate(admin, passwordRequired);
        if (admin.Password.Length > 0)
        {
            admin.Password = _hashPassword(admin.Password);
        }
    }

    /// <summary>The admin with this username, or null.</summary>
    public Task<Admin?> GetAsync(string username, CancellationToken cancellationToken = default) =>
        _provider.GetAdminAsync(username, cancellationToken);

    /// <summary>Every admin, by username.</summary>
    public Task<IReadOnlyList<Admin>> ListAsync(CancellationToken cancellationToken = default) =>
        _provider.ListAdminsAsync(cancellationToken);

    /// <summary>Validates, hashes and adds an admin; returns the stored admin with its id.</summary>
    /// <exception cref="DataProviderException">Validation naming the field, or Conflict for an existing username.</exception>
    public Task<Admin> AddAsync(Admin admin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admin);
        Prepare(admin);
        return _provider.AddAdminAsync(admin, cancellationToken);
    }

    /// <summary>
    /// Validates and replaces an admin's password, status, email and description. An empty
    /// password keeps the stored one. Disabling the last active admin is refused (field status).
    /// A new password or status gives the admin a new <see cref="Admin.SessionStamp"/>, which ends
    /// all its tokens and web sessions.
    /// </summary>
    /// <exception cref="DataProviderException">Validation naming the field, or NotFound.</exception>
    public async Task UpdateAsync(Admin admin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admin);
        Prepare(admin, passwordRequired: false);
        await WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = await _provider.GetAdminAsync(admin.Username, cancellationToken).ConfigureAwait(false)
                ?? throw NotFound(admin.Username);
            if (admin.Password.Length == 0)
            {
                admin.Password = existing.Password;
            }

            admin.SessionStamp = StampAfterUpdate(existing, admin);

            if (existing.Status == 1 && admin.Status != 1 && !await OtherActiveAdminExistsAsync(admin.Username, cancellationToken).ConfigureAwait(false))
            {
                throw new DataProviderException(DataProviderError.Validation,
                    $"status: '{admin.Username}' is the last active admin and cannot be disabled", "status");
            }

            await _provider.UpdateAdminAsync(admin, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            WriteLock.Release();
        }
    }

    /// <summary>
    /// The <see cref="Admin.SessionStamp"/> <paramref name="existing"/> gets when replaced by
    /// <paramref name="updated"/>: a new one when the password hash or the status changes, which
    /// ends every token and cookie issued before (a new password is hashed with a new salt, so
    /// even the same password set again counts); the old one when only email or description change.
    /// </summary>
    internal static string StampAfterUpdate(Admin existing, Admin updated) =>
        !string.Equals(updated.Password, existing.Password, StringComparison.Ordinal) || updated.Status != existing.Status || existing.SessionStamp.Length == 0
            ? Admin.NewSessionStamp()
            : existing.SessionStamp;

    /// <summary>Sets a new password (validated and hashed).</summary>
    /// <exception cref="DataProviderException">Validation (field password) or NotFound.</exception>
    public async Task SetPasswordAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        AdminValidator.ValidatePassword(password);
        var admin = await _provider.GetAdminAsync(username, cancellationToken).ConfigureAwait(false) ?? throw NotFound(username);
        admin.Password = password;
        await UpdateAsync(admin, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Enables (1) or disables (0) an admin; the last active admin cannot be disabled.</summary>
    /// <exception cref="DataProviderException">Validation (field status) or NotFound.</exception>
    public async Task SetStatusAsync(string username, int status, CancellationToken cancellationToken = default)
    {
        var admin = await _provider.GetAdminAsync(username, cancellationToken).ConfigureAwait(false) ?? throw NotFound(username);
        admin.Status = status;
        await UpdateAsync(admin, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes an admin; false when there was none. Deleting the last active admin is refused (field username).</summary>
    /// <exception cref="DataProviderException">Validation when it is the last active admin.</exception>
    public async Task<bool> DeleteAsync(string username, CancellationToken cancellationToken = default)
    {
        await WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = await _provider.GetAdminAsync(username, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                return false;
            }

            if (existing.Status == 1 && !await OtherActiveAdminExistsAsync(username, cancellationToken).ConfigureAwait(false))
            {
                throw new DataProviderException(DataProviderError.Validation,
                    $"username: '{username}' is the last active admin and cannot be deleted", "username");
            }

            return await _provider.DeleteAdminAsync(username, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            WriteLock.Release();
        }
    }

    /// <summary>
    /// Where admin password checks run (the pool shared with SSH logins, so the web login cannot be
    /// used to starve the server either); null to run them on the caller, as the CLI does.
    /// </summary>
    public PasswordVerifier? Verifier { get; init; }

    /// <summary>A password check on <see cref="Verifier"/> (false at once when its queue is full), or inline without one.</summary>
    private async Task<bool> CheckAsync(Func<bool> check, CancellationToken cancellationToken)
    {
        if (Verifier is null)
        {
            return check();
        }

        return Verifier.TryRun(check, cancellationToken, out var task) && await task.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<Admin?> AuthenticateAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        password ??= "";
        var admin = string.IsNullOrEmpty(username) || password.Length > AdminValidator.MaxPasswordLength
            ? null
            : await _provider.GetAdminAsync(username, cancellationToken).ConfigureAwait(false);
        string stored = admin?.Password ?? "";
        string candidate = password.Length > AdminValidator.MaxPasswordLength ? "" : password;
        bool verified = await CheckAsync(() =>
        {
            if (stored.Length == 0)
            {
                PasswordHasher.VerifyDummy(candidate);
                return false;
            }

            return PasswordHasher.Verify(candidate, stored);
        }, cancellationToken).ConfigureAwait(false);

        // Verified before the status is looked at, so a disabled admin costs the same as an active one.
        if (admin is null || !verified || admin.Status != 1)
        {
            return null;
        }

        try
        {
            await _provider.UpdateAdminLastLoginAsync(admin.Username, cancellationToken).ConfigureAwait(false);
        }
        catch (DataProviderException ex) when (ex.Error == DataProviderError.NotFound)
        {
            return null; // deleted while we were verifying
        }

        admin.LastLogin = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return admin;
    }

    /// <inheritdoc/>
    public async Task<Admin?> GetActiveAdminAsync(string username, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(username))
        {
            return null;
        }

        var admin = await _provider.GetAdminAsync(username, cancellationToken).ConfigureAwait(false);
        return admin is { Status: 1 } ? admin : null;
    }

    /// <inheritdoc/>
    public async Task<Admin?> GetSessionAdminAsync(string username, string sessionStamp, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(sessionStamp) || await GetActiveAdminAsync(username, cancellationToken).ConfigureAwait(false) is not { } admin)
        {
            return null;
        }

        return admin.SessionStamp.Length > 0
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(admin.SessionStamp), System.Text.Encoding.UTF8.GetBytes(sessionStamp))
            ? admin
            : null;
    }

    /// <summary>
    /// At first start: when the provider has no admins at all, creates one from
    /// <see cref="DefaultUsernameVariable"/> and <see cref="DefaultPasswordVariable"/>. Never
    /// touches existing admins (the variables are then ignored). Returns the created admin, or null.
    /// </summary>
    /// <exception cref="DataProviderException">Validation naming the variable: only one of them set, or a bad username or password.</exception>
    public async Task<Admin?> EnsureDefaultAdminAsync(IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string username = environment.GetValueOrDefault(DefaultUsernameVariable) ?? "";
        string password = environment.GetValueOrDefault(DefaultPasswordVariable) ?? "";
        if (username.Length == 0 && password.Length == 0)
        {
            return null;
        }

        if ((await _provider.ListAdminsAsync(cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return null;
        }

        if (username.Length == 0 || password.Length == 0)
        {
            string missing = username.Length == 0 ? DefaultUsernameVariable : DefaultPasswordVariable;
            throw new DataProviderException(DataProviderError.Validation,
                $"{missing}: required with {(username.Length == 0 ? DefaultPasswordVariable : DefaultUsernameVariable)} to create the default admin",
                username.Length == 0 ? "username" : "password");
        }

        var admin = new Admin { Username = username, Password = password, Status = 1, Description = "default admin created at first start" };
        try
        {
            Prepare(admin);
            return await _provider.AddAdminAsync(admin, cancellationToken).ConfigureAwait(false);
        }
        catch (DataProviderException ex) when (ex.Error == DataProviderError.Validation)
        {
            string variable = ex.Field == "username" ? DefaultUsernameVariable : DefaultPasswordVariable;
            throw new DataProviderException(DataProviderError.Validation, $"{variable}: {ex.Message}", ex.Field, ex);
        }
        catch (DataProviderException ex) when (ex.Error == DataProviderError.Conflict)
        {
            return null; // another node sharing the database created it first
        }
    }

    /// <summary>The two default-admin variables from this process's environment.</summary>
    public static IReadOnlyDictionary<string, string?> DefaultAdminEnvironment() => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        [DefaultUsernameVariable] = Environment.GetEnvironmentVariable(DefaultUsernameVariable),
        [DefaultPasswordVariable] = Environment.GetEnvironmentVariable(DefaultPasswordVariable),
    };

    private async Task<bool> OtherActiveAdminExistsAsync(string username, CancellationToken cancellationToken) =>
        (await _provider.ListAdminsAsync(cancellationToken).ConfigureAwait(false))
            .Any(a => a.Status == 1 && !string.Equals(a.Username, username, StringComparison.Ordinal));

    private static DataProviderException NotFound(string username) =>
        new(DataProviderError.NotFound, $"admin '{username}' does not exist", "username");
}
