using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Wharf.Server.Http.Auth;

/// <summary>
/// Bearer tokens for administrators: <c>base64url(payload).base64url(HMAC-SHA256(key, payload))</c>,
/// the payload naming the admin, an id and the expiry. The key is random per process, so a restart
/// (or another node) invalidates tokens — clients simply ask for a new one. Revoked ids (logout)
/// are kept until they would have expired anyway.
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

    /// <summary>A new token for <paramref name="username"/> and when it expires.</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(string username)
    {
        var expires = _time.GetUtcNow() + Lifetime;
        var payload = JsonSerializer.SerializeToUtf8Bytes(new TokenPayload(username, Convert.ToHexString(RandomNumberGenerator.GetBytes(12)), expires.ToUnixTimeSeconds()));
        string token = Base64Url(payload) + "." + Base64Url(HMACSHA256.HashData(_key, payload));
        return (token, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    /// <summary>The token's admin name and id when it is authentic, unexpired and not revoked; otherwise null.</summary>
    public (string Username, string Id)? Validate(string? token)
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

        if (p is null || p.Sub.Length == 0 || DateTimeOffset.FromUnixTimeSeconds(p.Exp) <= _time.GetUtcNow() || _revoked.ContainsKey(p.Jti))
        {
            return null;
        }

        return (p.Sub, p.Jti);
    }

    /// <summary>Ends a token before its expiry (logout).</summary>
    public void Revoke(string token)
    {
        if (Validate(token) is { } valid)
        {
            _revoked[valid.Id] = _time.GetUtcNow() + Lifetime;
        }

        var now = _time.GetUtcNow();
        foreach (var (id, until) in _revoked)
        {
            if (until <= now)
            {
                _revoked.TryRemove(id, out _);
            }
        }
    }

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
        [property: System.Text.Json.Serialization.JsonPropertyName("jti")] string Jti,
        [property: System.Text.Json.Serialization.JsonPropertyName("exp")] long Exp);
}
