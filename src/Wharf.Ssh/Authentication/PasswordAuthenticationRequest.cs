namespace Wharf.Ssh.Authentication;

/// <summary>A <c>password</c> attempt (RFC 4252 §8). The password never appears in logs.</summary>
public sealed class PasswordAuthenticationRequest : AuthenticationRequest
{
    internal PasswordAuthenticationRequest(SshSession session, string userName, IReadOnlyList<string> completed, string password, string? newPassword)
        : base(session, userName, "password", completed)
    {
        Password = password;
        NewPassword = newPassword;
    }

    /// <summary>The password the client sent.</summary>
    public string Password { get; }

    /// <summary>The new password when the client answers a password-change request, else null.</summary>
    public string? NewPassword { get; }

    /// <inheritdoc/>
    public override string ToString() => $"password for {UserName} (masked)";
}
