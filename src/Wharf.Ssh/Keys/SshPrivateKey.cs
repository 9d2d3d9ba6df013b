namespace Wharf.Ssh.Keys;

/// <summary>A private key that can sign, used for host keys (and by test clients for user keys).</summary>
public abstract partial class SshPrivateKey : IDisposable
{
    /// <summary>The matching public key.</summary>
    public abstract SshPublicKey PublicKey { get; }

    /// <summary>
    /// Signs <paramref name="data"/> with <paramref name="signatureAlgorithm"/> (one of
    /// <see cref="SshPublicKey.SignatureAlgorithms"/>) and returns the raw signature bytes
    /// (what goes in the second string of a signature blob).
    /// </summary>
    public abstract byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data);

    /// <inheritdoc/>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
