namespace Wharf.Ssh.Authentication;

/// <summary>One prompt of a keyboard-interactive round.</summary>
/// <param name="Text">The prompt shown to the user.</param>
/// <param name="Echo">Whether the client should echo what the user types.</param>
public sealed record AuthenticationPrompt(string Text, bool Echo);

/// <summary>
/// A <c>keyboard-interactive</c> attempt (RFC 4256). The host drives the conversation with
/// <see cref="PromptAsync"/> as many rounds as it likes, then returns its result.
/// </summary>
public sealed class KeyboardInteractiveAuthenticationRequest : AuthenticationRequest
{
    private readonly Func<string, string, IReadOnlyList<AuthenticationPrompt>, CancellationToken, Task<string[]>> _prompt;

    internal KeyboardInteractiveAuthenticationRequest(SshSession session, string userName, IReadOnlyList<string> completed, string submethods,
        Func<string, string, IReadOnlyList<AuthenticationPrompt>, CancellationToken, Task<string[]>> prompt)
        : base(session, userName, "keyboard-interactive", completed)
    {
        Submethods = submethods;
        _prompt = prompt;
    }

    /// <summary>The submethods hint the client sent.</summary>
    public string Submethods { get; }

    /// <summary>
    /// Sends SSH_MSG_USERAUTH_INFO_REQUEST and returns the answers, one per prompt, in order. A
    /// round with no prompts is allowed (it shows <paramref name="instruction"/> only). Throws
    /// <see cref="OperationCanceledException"/> when the client abandons the conversation.
    /// </summary>
    public Task<string[]> PromptAsync(string name, string instruction, IReadOnlyList<AuthenticationPrompt> prompts, CancellationToken cancellationToken = default) =>
        _prompt(name, instruction, prompts, cancellationToken);
}
