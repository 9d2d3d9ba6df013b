using Wharf.Ssh.Keys;

namespace Wharf.Ssh.Authentication;

/// <summary>
/// A <c>publickey</c> attempt (RFC 4252 §7). When <see cref="IsQuery"/> is false the library has
/// already verified the signature over the session identifier and the request; for a certificate
/// it has also checked the CA, validity period, principals and critical options.
/// </summary>
public sealed class PublicKeyAuthenticationRequest : AuthenticationRequest
{
    internal PublicKeyAuthenticationRequest(SshSession session, string userName, IReadOnlyList<string> completed, SshPublicKey key, string algorithm, bool isQuery)
        : base(session, userName, "publickey", completed)
    {
        Key = key;
        Algorithm = algorithm;
        IsQuery = isQuery;
    }

    /// <summary>The key (or certificate) offered.</summary>
    public SshPublicKey Key { get; }

    /// <summary>The certificate, when the key is one.</summary>
    public SshCertificate? Certificate => Key as SshCertificate;

    /// <summary>The signature algorithm the client named.</summary>
    public string Algorithm { get; }

    /// <summary>
    /// True when the client only asks whether the key would be accepted (no signature yet); the
    /// answer decides between SSH_MSG_USERAUTH_PK_OK and a failure.
    /// </summary>
    public bool IsQuery { get; }
}
