namespace Wharf.Ssh.Authentication;

/// <summary>The host's answer to an <see cref="AuthenticationRequest"/>.</summary>
public sealed class AuthenticationResult
{
    private AuthenticationResult(AuthenticationOutcome outcome, IReadOnlyList<string>? nextMethods = null, string? prompt = null)
    {
        Outcome = outcome;
        NextMethods = nextMethods ?? [];
        PasswordChangePrompt = prompt;
    }

    /// <summary>The user is authenticated.</summary>
    public static AuthenticationResult Success { get; } = new(AuthenticationOutcome.Success);

    /// <summary>This attempt failed.</summary>
    public static AuthenticationResult Failure { get; } = new(AuthenticationOutcome.Failure);

    /// <summary>This step succeeded but more are needed: the client must continue with one of <paramref name="nextMethods"/>.</summary>
    public static AuthenticationResult Partial(params string[] nextMethods) => new(AuthenticationOutcome.PartialSuccess, nextMethods);

    /// <summary>The password is right but expired: ask the client for a new one (SSH_MSG_USERAUTH_PASSWD_CHANGEREQ).</summary>
    public static AuthenticationResult ChangePassword(string prompt) => new(AuthenticationOutcome.PasswordChangeRequired, prompt: prompt);

    /// <summary>What happened.</summary>
    public AuthenticationOutcome Outcome { get; }

    /// <summary>For <see cref="AuthenticationOutcome.PartialSuccess"/>: the methods that may continue.</summary>
    public IReadOnlyList<string> NextMethods { get; }

    /// <summary>For <see cref="AuthenticationOutcome.PasswordChangeRequired"/>: the prompt to show.</summary>
    public string? PasswordChangePrompt { get; }
}

/// <summary>Kinds of <see cref="AuthenticationResult"/>.</summary>
public enum AuthenticationOutcome
{
    Failure,
    Success,
    PartialSuccess,
    PasswordChangeRequired,
}
