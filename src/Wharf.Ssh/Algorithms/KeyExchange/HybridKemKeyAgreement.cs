using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// A post-quantum hybrid: a KEM and a classical agreement run side by side in one round
/// (draft-ietf-sshm-mlkem-hybrid-kex, draft-ietf-sshm-ntruprime-ssh). The client's blob is
/// its KEM public key followed by its classical public value, the server's the KEM ciphertext
/// followed by its classical public value; K = HASH(kem secret || classical secret), which enters
/// H and key derivation as a <c>string</c>, not an <c>mpint</c>.
/// </summary>
/// <param name="Kem">The post-quantum half.</param>
/// <param name="CreateClassical">Makes a fresh classical key pair for one exchange.</param>
/// <param name="Hash">The method's hash, also the one that combines the two secrets.</param>
internal sealed record HybridKem(Func<KeyEncapsulation> Kem, Func<IRawKeyAgreement> CreateClassical, HashAlgorithmName Hash)
{
    /// <summary>The agreement for one side of one exchange.</summary>
    public KeyAgreement Create(KeyExchangeRole role) =>
        role == KeyExchangeRole.Client ? new HybridKemClientAgreement(this) : new HybridKemServerAgreement(this);

    /// <summary>
    /// K as the hybrid methods encode it: <c>string(HASH(kem || classical))</c>. The hash output is
    /// uniformly random bytes, and a string keeps its leading zeros, which an mpint would not.
    /// </summary>
    internal byte[] CombineSecrets(ReadOnlySpan<byte> kemSecret, ReadOnlySpan<byte> classicalSecret)
    {
        var joined = new byte[kemSecret.Length + classicalSecret.Length];
        byte[]? digest = null;
        try
        {
            kemSecret.CopyTo(joined);
            classicalSecret.CopyTo(joined.AsSpan(kemSecret.Length));
            digest = CryptographicOperations.HashData(Hash, joined);
            using var w = new SshWriter(digest.Length + 4);
            w.WriteBinary(digest);
            var k = w.ToArray();
            CryptographicOperations.ZeroMemory(w.WrittenSpan);
            return k;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(joined);
            if (digest is not null)
            {
                CryptographicOperations.ZeroMemory(digest);
            }
        }
    }
}

/// <summary>Client side: owns the KEM key pair and decapsulates the server's ciphertext.</summary>
internal sealed class HybridKemClientAgreement : KeyAgreement
{
    private readonly HybridKem _method;
    private readonly KeyEncapsulation _kem;
    private readonly KemKeyPair _keyPair;
    private readonly IRawKeyAgreement _classical;
    private readonly byte[] _localBlob;
    private byte[]? _peerBlob;

    public HybridKemClientAgreement(HybridKem method)
    {
        _method = method;
        _kem = method.Kem();
        _keyPair = _kem.GenerateKeyPair();
        _classical = method.CreateClassical();
        _localBlob = [.. _keyPair.PublicKey, .. _classical.PublicKey];
    }

    public override void WriteLocalPublic(SshWriter w) => w.WriteBinary(_localBlob);

    public override void ReadPeerPublic(ref SshReader r)
    {
        var blob = r.ReadBinary();
        int expected = _kem.CiphertextLength + _classical.PublicKeyLength;
        if (blob.Length != expected)
        {
            throw KexFailure.Failed($"hybrid key exchange reply is {blob.Length} bytes, expected {expected}");
        }

        _peerBlob = blob.ToArray();
    }

    public override void WritePeerPublic(SshWriter w) => w.WriteBinary(Peer);

    public override byte[] DeriveSharedSecret()
    {
        var peer = Peer;
        int split = _kem.CiphertextLength;
        var classicalSecret = _classical.AgreeRaw(peer.AsSpan(split));
        var kemSecret = _keyPair.Decapsulate(peer.AsSpan(0, split));
        try
        {
            return _method.CombineSecrets(kemSecret, classicalSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kemSecret);
            CryptographicOperations.ZeroMemory(classicalSecret);
        }
    }

    public override void Dispose()
    {
        _keyPair.Dispose();
        _classical.Dispose();
        base.Dispose();
    }

    private byte[] Peer => _peerBlob ?? throw new InvalidOperationException("peer public value not read yet");
}

/// <summary>
/// Server side: its public value is only known once the client's has been read, because the
/// ciphertext is an encapsulation against the client's key.
/// </summary>
internal sealed class HybridKemServerAgreement : KeyAgreement
{
    private readonly HybridKem _method;
    private readonly KeyEncapsulation _kem;
    private readonly IRawKeyAgreement _classical;
    private byte[]? _peerBlob;
    private byte[]? _localBlob;
    private byte[]? _kemSecret;

    public HybridKemServerAgreement(HybridKem method)
    {
        _method = method;
        _kem = method.Kem();
        _classical = method.CreateClassical();
    }

    public override void WriteLocalPublic(SshWriter w) =>
        w.WriteBinary(_localBlob ?? throw new InvalidOperationException("the server's reply depends on the client's value, not read yet"));

    public override void ReadPeerPublic(ref SshReader r)
    {
        var blob = r.ReadBinary();
        int expected = _kem.PublicKeyLength + _classical.PublicKeyLength;
        if (blob.Length != expected)
        {
            // OpenSSH checks the same exact length; anything else is not a client of this method.
            throw KexFailure.Failed($"hybrid key exchange init is {blob.Length} bytes, expected {expected}");
        }

        var (ciphertext, secret) = _kem.Encapsulate(blob[.._kem.PublicKeyLength]);
        _kemSecret = secret;
        _localBlob = [.. ciphertext, .. _classical.PublicKey];
        _peerBlob = blob.ToArray();
    }

    public override void WritePeerPublic(SshWriter w) =>
        w.WriteBinary(_peerBlob ?? throw new InvalidOperationException("peer public value not read yet"));

    public override byte[] DeriveSharedSecret()
    {
        var peer = _peerBlob ?? throw new InvalidOperationException("peer public value not read yet");
        var classicalSecret = _classical.AgreeRaw(peer.AsSpan(_kem.PublicKeyLength));
        try
        {
            return _method.CombineSecrets(_kemSecret!, classicalSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(classicalSecret);
        }
    }

    public override void Dispose()
    {
        if (_kemSecret is not null)
        {
            CryptographicOperations.ZeroMemory(_kemSecret);
        }

        _classical.Dispose();
        base.Dispose();
    }
}
