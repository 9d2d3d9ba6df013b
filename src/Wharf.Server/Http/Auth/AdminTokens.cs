using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Wharf.Server.Http.Auth;

/// <summary>
/// Bearer tokens and web session cookies for administrators:
/// <c>base64url(payload).base64url(HMAC-SHA256(key, payload))</c>, the payload naming the admin,
/// the admin's <see cref="Accounts.Admin.SessionStamp"/> at issue, a session id, a token id and the
/// expiry. The key is random per process, so a restart (or another node) invalidates tokens —
/// clients simply ask for a new one.
/// <para>
/// The stamp ties a token to the admin's current credentials: a password change, disable or
/// delete gives the admin a new stamp and every older token stops working, on every node, because
/// it is compared with the stored admin on each request. The session id ties together every
/// cookie renewed from one login, so logout (<see cref="Revoke"/>) ends the whole chain, not just
/// the cookie it was called with; revoked session ids are kept until their last token would have
/// expired anyway.
/// </para>
/// </summary>
public sealed class AdminTokens
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Creates a token issuer with <paramref name="lifetime"/> (default 20 minutes, as SFTPGo's).</summary>
    public AdminTokens(TimeSpan? lifetime = null, TimeProvider? time = null)
    {
        Lifetime = lifetime ?? TimeSpan.FromMinutes(20);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How long a token is valid.</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>
    /// A new token for <paramref name="username"/>, carrying its current <paramref name="sessionStamp"/>,
    /// and when it expires. <paramref name="sessionId"/> continues an existing session (a renewed
    /// web cookie); null starts a new one (a login).
    /// </summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(string username, string sessionStamp, string? sessionId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentException.ThrowIfNullOrEmpty(sessionStamp);
        var expires = _time.GetUtcNow() + Lifetime;
        var payload = JsonSerializer.SerializeToUtf8Bytes(new TokenPayload(
            username, sessionStamp, sessionId ?? NewId(), NewId(), expires.ToUnixTimeSeconds()));
        string token = Base64Url(payload) + "." + Base64Url(HMACSHA256.HashData(_key, payload));
        return (token, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    /// <summary>
    /// The token's session when it is authentic, unexpired and its session not logged out; otherwise
    /// null. The caller must still check <see cref="AdminSession.SessionStamp"/> against the stored admin.
    /// </summary>
    public AdminSession? Validate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 1024)
        {
            return null;
        }

        int dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !TryDecode(token.AsSpan(0, dot), out var payload) || !TryDecode(token.AsSpan(dot + 1), out var mac)
            || !CryptographicOperations.FixedTimeEquals(mac, HMACSHA256.HashData(_key, payload)))
        {
            return null;
        }

        TokenPayload? p;
        try
        {
            p = JsonSerializer.Deserialize<TokenPayload>(payload);
        }
        catch (JsonException)
        {
            return null;
        }

        if (p is null || string.IsNullOrEmpty(p.Sub) || string.IsNullOrEmpty(p.Stm) || string.IsNullOrEmpty(p.Sid)
            || DateTimeOffset.FromUnixTimeSeconds(p.Exp) <= _time.GetUtcNow() || _revoked.ContainsKey(p.Sid))
        {
            return null;
        }

        return new AdminSession(p.Sub, p.Stm, p.Sid, p.Jti);
    }

    /// <summary>
    /// Logout: ends the token's session — the token and every token renewed from the same login
    /// (older cookies of the chain included) — before its expiry.
    /// </summary>
    public void Revoke(string token)
    {
        var now = _time.GetUtcNow();
        if (Validate(token) is { } valid)
        {
            // Every token of the session was issued by now, so none outlives now + Lifetime.
            _revoked[valid.SessionId] = now + Lifetime;
        }

        foreach (var (id, until) in _revoked)
        {
            if (until <= now)
            {
                _revoked.TryRemove(id, out _);
            }
        }
    }

    private static string NewId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

    private static string Base64Url(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || text.Length > 1024)
        {
            return false;
        }

        string s = text.ToString().Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        try
        {
            bytes = Convert.FromBase64String(s);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private sealed record TokenPayload(
        [property: System.Text.Json.Serialization.JsonPropertyName("sub")] string Sub,
        [property: System.Text.Json.Serialization.JsonPropertyName("stm")] string Stm,
        [property: System.Text.Json.Serialization.JsonPropertyName("sid")] string Sid,
        [property: System.Text.Json.Serialization.JsonPropertyName("jti")] string Jti,
        [property: System.Text.Json.Serialization.JsonPropertyName("exp")] long Exp);
}

/// <summary>What a valid token says: its admin, the admin's stamp at issue, its session and its own id.</summary>
/// <param name="Username">The admin.</param>
/// <param name="SessionStamp">The admin's <see cref="Accounts.Admin.SessionStamp"/> when the token was issued.</param>
/// <param name="SessionId">The login the token belongs to (shared by renewed web cookies).</param>
/// <param name="TokenId">This token's own id.</param>
public sealed record AdminSession(string Username, string SessionStamp, string SessionId, string TokenId);
