using System.Net.Mail;
using Wharf.Server.Accounts.Passwords;
using Wharf.Server.Data;

namespace Wharf.Server.Accounts;

/// <summary>
/// Checks an <see cref="Admin"/> before it is stored. Problems throw a
/// <see cref="DataProviderException"/> (<see cref="DataProviderError.Validation"/>) whose
/// <see cref="DataProviderException.Field"/> is the JSON name of the bad property.
/// </summary>
public static class AdminValidator
{
    /// <summary>The shortest plain-text password accepted for an admin.</summary>
    public const int MinPasswordLength = 8;

    /// <summary>
    /// The longest plain-text password accepted: argon2id reads all of it, so an unbounded value
    /// would let one request burn CPU.
    /// </summary>
    public const int MaxPasswordLength = 1024;

    private const int MaxEmailLength = 254;
    private const int MaxDescriptionLength = 1024;

    /// <summary>
    /// Validates <paramref name="admin"/> and normalises it in place (null strings become empty).
    /// A password that is already a supported hash is not length-checked.
    /// </summary>
    /// <param name="admin">The admin to check.</param>
    /// <param name="passwordRequired">False on updates, where an empty password keeps the stored one.</param>
    /// <exception cref="DataProviderException">The first problem found, naming its field.</exception>
    public static void Validate(Admin admin, bool passwordRequired = true)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.Username ??= "";
        admin.Password ??= "";
        admin.Email ??= "";
        admin.Description ??= "";

        UserValidator.ValidateUsername(admin.Username);
        if (admin.Password.Length > 0 || passwordRequired)
        {
            ValidatePassword(admin.Password);
        }

        if (admin.Status is not (0 or 1))
        {
            throw Fail("status", $"must be 0 (disabled) or 1 (active), not {admin.Status}");
        }

        if (admin.Email.Length > 0)
        {
            ValidateEmail(admin.Email);
        }

        if (admin.Description.Length > MaxDescriptionLength)
        {
            throw Fail("description", $"must be at most {MaxDescriptionLength} characters");
        }
    }

    /// <summary>Checks a plain-text password (or an already hashed value) for an admin.</summary>
    /// <exception cref="DataProviderException">Validation, field password.</exception>
    public static void ValidatePassword(string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            throw Fail("password", "is required");
        }

        if (PasswordHasher.IsHashed(password))
        {
            return;
        }

        if (password.Length < MinPasswordLength)
        {
            throw Fail("password", $"must be at least {MinPasswordLength} characters");
        }

        if (password.Length > MaxPasswordLength)
        {
            throw Fail("password", $"must be at most {MaxPasswordLength} characters");
        }
    }

    private static void ValidateEmail(string email)
    {
        // MailAddress alone also accepts display names ("Ann <a@b>") and comments; one plain
        // address is all an admin's contact field should hold.
        if (email.Length > MaxEmailLength
            || email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            || email.Count(c => c == '@') != 1
            || email.StartsWith('@') || email.EndsWith('@')
            || !MailAddress.TryCreate(email, out var parsed)
            || !string.Equals(parsed.Address, email, StringComparison.Ordinal))
        {
            throw Fail("email", $"'{Printable(email)}' is not a valid email address");
        }
    }

    private static string Printable(string value) =>
        new([.. value.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);

    private static DataProviderException Fail(string field, string message) =>
        new(DataProviderError.Validation, $"{field}: {message}", field);
}
