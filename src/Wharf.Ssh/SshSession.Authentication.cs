using System.Text;
using Wharf.Ssh.Authentication;
using Wharf.Ssh.IO;
using Wharf.Ssh.Keys;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Transport;

namespace Wharf.Ssh;

public sealed partial class SshSession
{
    private bool _userAuthServiceAccepted;
    private bool _bannerSent;
    private string? _authUser;
    private readonly List<string> _completedMethods = [];
    private List<string>? _allowedMethods;
    private int _authFailures;

    /// <summary>Failed authentication attempts so far on this connection.</summary>
    public int AuthenticationFailures => _authFailures;

    private async Task OnServiceRequestAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        var r = new SshReader(payload.Span[1..]);
        string service = r.ReadString(64);
        // A repeated ssh-userauth request before success is accepted, as OpenSSH's sshd does:
        // paramiko sends one before every authentication attempt, so its retries need it.
        if (service != "ssh-userauth" || IsAuthenticated)
        {
            throw new SshConnectionException($"service not available: {Sanitize(service)}", SshDisconnectReason.ServiceNotAvailable);
        }

        _userAuthServiceAccepted = true;
        await SendAsync(service, static (w, s) =>
        {
            w.WriteByte(SshMessageNumber.ServiceAccept);
            w.WriteString(s);
        }, fromReceiveLoop: true, ct: ct).ConfigureAwait(false);
    }

    private async Task OnUserAuthRequestAsync(ReadOnlyMemory<byte> payloadMemory, CancellationToken ct)
    {
        if (!_userAuthServiceAccepted)
        {
            throw new SshConnectionException("authentication request before the ssh-userauth service was accepted");
        }

        if (IsAuthenticated)
        {
            return; // RFC 4252 §5.1: requests after success are ignored
        }

        Advance(SshSessionStage.Authenticating);

        string user, service, method;
        {
            var r = new SshReader(payloadMemory.Span[1..]);
            user = r.ReadString(256);
            service = r.ReadString(64);
            method = r.ReadString(64);
        }

        if (service != "ssh-connection")
        {
            throw new SshConnectionException($"service not available: {Sanitize(service)}", SshDisconnectReason.ServiceNotAvailable);
        }

        if (_authUser is not null && _authUser != user && _completedMethods.Count > 0)
        {
            throw new SshConnectionException("user name changed during multi-step authentication");
        }

        _authUser = user;
        if (!_bannerSent && Options.Banner is { Length: > 0 } banner)
        {
            _bannerSent = true;
            await SendAsync(banner, static (w, b) =>
            {
                w.WriteByte(SshMessageNumber.UserAuthBanner);
                w.WriteString(b);
                w.WriteString("");
            }, fromReceiveLoop: true, ct: ct).ConfigureAwait(false);
        }

        var allowed = _allowedMethods ?? Options.AuthenticationMethods;
        if (method == "none" || !allowed.Contains(method) || _server.Authenticate is null)
        {
            await SendFailureAsync(partial: false, ct).ConfigureAwait(false);
            return;
        }

        AuthenticationResult result;
        switch (method)
        {
            case "password":
                result = await PasswordAsync(payloadMemory, user, ct).ConfigureAwait(false);
                break;
            case "publickey":
                {
                    var pk = await PublicKeyAsync(payloadMemory, user, ct).ConfigureAwait(false);
                    if (pk is null)
                    {
                        return; // a query, already answered
                    }

                    result = pk;
                    break;
                }

            case "keyboard-interactive":
                {
                    var r = new SshReader(payloadMemory.Span[1..]);
                    r.ReadBinary();
                    r.ReadBinary();
                    r.ReadBinary();
                    r.ReadString(256); // language tag, deprecated
                    string submethods = r.ReadString(1024);
                    var request = new KeyboardInteractiveAuthenticationRequest(this, user, [.. _completedMethods], submethods, PromptAsync);
                    try
                    {
                        result = await _server.Authenticate(request).ConfigureAwait(false);
                    }
                    catch (KeyboardInteractiveAbandonedException)
                    {
                        // The client sent something else instead of answering: that message is
                        // handled by the main loop next, and this attempt simply failed.
                        return;
                    }

                    break;
                }

            default:
                await SendFailureAsync(partial: false, ct).ConfigureAwait(false);
                return;
        }

        await ApplyResultAsync(method, user, result, ct).ConfigureAwait(false);
    }

    private async Task<AuthenticationResult> PasswordAsync(ReadOnlyMemory<byte> payloadMemory, string user, CancellationToken ct)
    {
        string password;
        string? newPassword = null;
        {
            var r = new SshReader(payloadMemory.Span[1..]);
            r.ReadBinary();
            r.ReadBinary();
            r.ReadBinary();
            bool change = r.ReadBoolean();
            password = r.ReadString(1024);
            if (change)
            {
                newPassword = r.ReadString(1024);
            }
        }

        return await _server.Authenticate!(new PasswordAuthenticationRequest(this, user, [.. _completedMethods], password, newPassword)).ConfigureAwait(false);
    }

    /// <summary>Returns null when the request was a query that has been answered.</summary>
    private async Task<AuthenticationResult?> PublicKeyAsync(ReadOnlyMemory<byte> payloadMemory, string user, CancellationToken ct)
    {
        bool hasSignature;
        string algorithm;
        byte[] blob;
        byte[]? signature = null;
        int signedLength;
        {
            var r = new SshReader(payloadMemory.Span[1..]);
            r.ReadBinary();
            r.ReadBinary();
            r.ReadBinary();
            hasSignature = r.ReadBoolean();
            algorithm = r.ReadString(128);
            blob = r.ReadBinaryArray();
            signedLength = 1 + r.Position;
            if (hasSignature)
            {
                signature = r.ReadBinaryArray();
            }

            r.EnsureEnd();
        }

        var key = CheckOfferedKey(algorithm, blob, user, out string? refusal);
        if (key is null)
        {
            Log(SshLogLevel.Information, $"publickey refused for {Sanitize(user)}: {refusal}");
            if (hasSignature)
            {
                CountFailure();
            }

            await SendFailureAsync(partial: false, ct).ConfigureAwait(false);
            return null;
        }

        if (!hasSignature)
        {
            var query = new PublicKeyAuthenticationRequest(this, user, [.. _completedMethods], key, algorithm, isQuery: true);
            var answer = await _server.Authenticate!(query).ConfigureAwait(false);
            if (answer.Outcome == AuthenticationOutcome.Failure)
            {
                await SendFailureAsync(partial: false, ct).ConfigureAwait(false);
            }
            else
            {
                await SendAsync((algorithm, blob), static (w, s) =>
                {
                    w.WriteByte(SshMessageNumber.UserAuth60); // SSH_MSG_USERAUTH_PK_OK
                    w.WriteString(s.algorithm);
                    w.WriteBinary(s.blob);
                }, fromReceiveLoop: true, ct: ct).ConfigureAwait(false);
            }

            return null;
        }

        // RFC 4252 §7: the signature covers the session identifier and the request exactly as sent.
        using var signed = new SshWriter(signedLength + 64);
        signed.WriteBinary(_sessionId);
        signed.WriteRaw(payloadMemory.Span[..signedLength]);
        string expected = algorithm.EndsWith(CertSuffix, StringComparison.Ordinal) ? algorithm[..^CertSuffix.Length] : algorithm;
        bool valid = key.VerifySignatureBlob(signed.WrittenSpan, signature, out string used) && used == expected;
        if (!valid)
        {
            Log(SshLogLevel.Information, $"publickey signature invalid for {Sanitize(user)}");
            return AuthenticationResult.Failure;
        }

        return await _server.Authenticate!(new PublicKeyAuthenticationRequest(this, user, [.. _completedMethods], key, algorithm, isQuery: false)).ConfigureAwait(false);
    }

    private const string CertSuffix = "-cert-v01@openssh.com";

    /// <summary>Checks algorithm, key type, key size and certificate before the host sees the key.</summary>
    private SshPublicKey? CheckOfferedKey(string algorithm, byte[] blob, string user, out string? refusal)
    {
        refusal = null;
        if (!Options.PublicKeyAlgorithms.Contains(algorithm))
        {
            refusal = $"algorithm {Sanitize(algorithm)} not allowed";
            return null;
        }

        if (!SshPublicKey.TryParse(blob, out var key) || key is null)
        {
            refusal = "unparseable key";
            return null;
        }

        bool isCertAlgorithm = algorithm.EndsWith(CertSuffix, StringComparison.Ordinal);
        var cert = key as SshCertificate;
        if (isCertAlgorithm != (cert is not null))
        {
            refusal = "algorithm does not match key type";
            return null;
        }

        var plainKey = cert?.Key ?? key;
        string plainAlgorithm = isCertAlgorithm ? algorithm[..^CertSuffix.Length] : algorithm;
        if (!plainKey.SignatureAlgorithms.Contains(plainAlgorithm))
        {
            refusal = "algorithm does not match key type";
            return null;
        }

        if (plainKey.KeyType == "ssh-rsa" && plainKey.KeySizeBits < Options.MinimumRsaKeyBits)
        {
            refusal = $"RSA key of {plainKey.KeySizeBits} bits is below the minimum of {Options.MinimumRsaKeyBits}";
            return null;
        }

        if (cert is not null)
        {
            refusal = UserCertificateValidator.Validate(cert, user, Options.TrustedUserCaKeys, RemoteEndPoint.Address, DateTimeOffset.UtcNow);
            if (refusal is null && cert.SignatureKey.KeyType == "ssh-rsa" && cert.SignatureKey.KeySizeBits < Options.MinimumRsaKeyBits)
            {
                refusal = "CA RSA key too small";
            }

            if (refusal is not null)
            {
                return null;
            }
        }

        return key;
    }

    private async Task<string[]> PromptAsync(string name, string instruction, IReadOnlyList<AuthenticationPrompt> prompts, CancellationToken ct)
    {
        if (prompts.Count > 64)
        {
            throw new ArgumentException("too many prompts", nameof(prompts));
        }

        await SendAsync((name, instruction, prompts), static (w, s) =>
        {
            w.WriteByte(SshMessageNumber.UserAuth60); // SSH_MSG_USERAUTH_INFO_REQUEST
            w.WriteString(s.name);
            w.WriteString(s.instruction);
            w.WriteString("");
            w.WriteUInt32((uint)s.prompts.Count);
            foreach (var p in s.prompts)
            {
                w.WriteString(p.Text);
                w.WriteBoolean(p.Echo);
            }
        }, fromReceiveLoop: true, ct: ct).ConfigureAwait(false);

        while (true)
        {
            var payload = await _reader.ReadPacketAsync(_lifetime.Token).ConfigureAwait(false);
            if (payload.IsEmpty)
            {
                throw new SshConnectionException("connection closed during keyboard-interactive authentication", SshDisconnectReason.ConnectionLost);
            }

            byte number = payload.Span[0];
            if (number is SshMessageNumber.Ignore or SshMessageNumber.Debug)
            {
                continue;
            }

            if (KexMessagePolicy.IsKeyExchange(number))
            {
                // A key exchange running while the user answers (either side may have started
                // it; the prompt itself is held back until it ends) is the transport's business:
                // handle it here and keep waiting. Abandoning the prompt would leave the client
                // answering a request the server no longer waits for.
                await DispatchAsync(payload, ct).ConfigureAwait(false);
                continue;
            }

            if (number != SshMessageNumber.UserAuthInfoResponse)
            {
                _pending = payload;
                throw new KeyboardInteractiveAbandonedException();
            }

            var r = new SshReader(payload.Span[1..]);
            uint count = r.ReadUInt32();
            if (count != (uint)prompts.Count)
            {
                // RFC 4256 §3.4: the number of responses must match the number of prompts.
                throw new SshConnectionException($"keyboard-interactive: {count} responses to {prompts.Count} prompts");
            }

            var answers = new string[count];
            for (int i = 0; i < answers.Length; i++)
            {
                answers[i] = r.ReadString(1024);
            }

            r.EnsureEnd();
            return answers;
        }
    }

    private async Task ApplyResultAsync(string method, string user, AuthenticationResult result, CancellationToken ct)
    {
        switch (result.Outcome)
        {
            case AuthenticationOutcome.Success:
                _completedMethods.Add(method);
                await SendSuccessAsync(user, ct).ConfigureAwait(false);
                return;
            case AuthenticationOutcome.PartialSuccess:
                _completedMethods.Add(method);
                _allowedMethods = [.. result.NextMethods];
                Log(SshLogLevel.Information, $"partial success for {Sanitize(user)} with {method}; next: {string.Join(',', _allowedMethods)}");
                await SendFailureAsync(partial: true, ct).ConfigureAwait(false);
                return;
            case AuthenticationOutcome.PasswordChangeRequired when method == "password":
                await SendAsync(result.PasswordChangePrompt ?? "Password expired", static (w, p) =>
                {
                    w.WriteByte(SshMessageNumber.UserAuth60); // SSH_MSG_USERAUTH_PASSWD_CHANGEREQ
                    w.WriteString(p);
                    w.WriteString("");
                }, fromReceiveLoop: true, ct: ct).ConfigureAwait(false);
                return;
            default:
                Log(SshLogLevel.Information, $"failed {method} for {Sanitize(user)} from {RemoteEndPoint}");
                CountFailure();
                if (method is "password" or "keyboard-interactive" && Options.FailedAuthDelay > TimeSpan.Zero)
                {
                    await Task.Delay(Options.FailedAuthDelay, ct).ConfigureAwait(false);
                }

                await SendFailureAsync(partial: false, ct).ConfigureAwait(false);
                return;
        }
    }

    private void CountFailure()
    {
        _authFailures++;
        _server.OnAuthenticationFailed(this);
        if (_authFailures >= Options.MaxAuthAttempts)
        {
            throw new SshConnectionException("Too many authentication failures", SshDisconnectReason.NoMoreAuthMethodsAvailable);
        }
    }

    private ValueTask SendFailureAsync(bool partial, CancellationToken ct) =>
        SendAsync((_allowedMethods ?? Options.AuthenticationMethods, partial), static (w, s) =>
        {
            w.WriteByte(SshMessageNumber.UserAuthFailure);
            w.WriteNameList(s.Item1);
            w.WriteBoolean(s.partial);
        }, fromReceiveLoop: true, ct: ct);

    private async Task SendSuccessAsync(string user, CancellationToken ct)
    {
        UserName = user;
        IsAuthenticated = true;
        Advance(SshSessionStage.Authenticated);
        _server.OnAuthenticated(this);
        Log(SshLogLevel.Information, $"authenticated {Sanitize(user)} with {string.Join(",", _completedMethods)}");
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_kexInProgress)
            {
                _heldBack.Add([SshMessageNumber.UserAuthSuccess]);
            }
            else
            {
                _writer.Begin().WriteByte(SshMessageNumber.UserAuthSuccess);
                await SendPacketLockedAsync(ct).ConfigureAwait(false);
                OnUserAuthSuccessSentLocked();
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Thrown inside a keyboard-interactive prompt when the client sends another message instead of answering.</summary>
    private sealed class KeyboardInteractiveAbandonedException : OperationCanceledException
    {
    }
}
