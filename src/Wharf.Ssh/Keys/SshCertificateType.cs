namespace Wharf.Ssh.Keys;

/// <summary>What an OpenSSH certificate identifies (PROTOCOL.certkeys, SSH_CERT_TYPE_*).</summary>
public enum SshCertificateType : uint
{
    /// <summary>SSH_CERT_TYPE_USER: the certificate authenticates a user.</summary>
    User = 1,

    /// <summary>SSH_CERT_TYPE_HOST: the certificate authenticates a host.</summary>
    Host = 2,
}
