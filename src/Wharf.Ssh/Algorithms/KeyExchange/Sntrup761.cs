using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// Streamlined NTRU Prime sntrup761 through BouncyCastle, whose NIST round-3 implementation
/// matches OpenSSH's (supercop) sntrup761.c byte for byte: the known-answer tests replay
/// vectors produced by OpenSSH's own code.
/// </summary>
internal sealed class Sntrup761 : KeyEncapsulation
{
    /// <summary>The encoded public key: 761 coefficients mod 4591.</summary>
    public const int PublicKeyBytes = 1158;

    /// <summary>The rounded ciphertext (1007 bytes) followed by the 32-byte confirmation hash.</summary>
    public const int CiphertextBytes = 1039;

    public Sntrup761(SecureRandom? random = null)
        : base(random)
    {
    }

    public override int PublicKeyLength => PublicKeyBytes;

    public override int CiphertextLength => CiphertextBytes;

    public override KemKeyPair GenerateKeyPair()
    {
        var generator = new SNtruPrimeKeyPairGenerator();
        generator.Init(new SNtruPrimeKeyGenerationParameters(Random, SNtruPrimeParameters.sntrup761));
        var pair = generator.GenerateKeyPair();
        return new KeyPair(
            (SNtruPrimePublicKeyParameters)pair.Public,
            (SNtruPrimePrivateKeyParameters)pair.Private);
    }

    public override (byte[] Ciphertext, byte[] SharedSecret) Encapsulate(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PublicKeyBytes)
        {
            throw KexFailure.Failed($"sntrup761 public key is {publicKey.Length} bytes, expected {PublicKeyBytes}");
        }

        // Every 1158-byte string decodes to some polynomial (the decoder reduces out-of-range
        // values), so there is nothing to reject here, as in the reference; a key that is not
        // the client's own only gives a secret the client cannot share.
        var key = new SNtruPrimePublicKeyParameters(SNtruPrimeParameters.sntrup761, publicKey.ToArray());
        using var encapsulated = new SNtruPrimeKemGenerator(Random).GenerateEncapsulated(key);
        var ciphertext = encapsulated.GetEncapsulation();
        var secret = encapsulated.GetSecret();
        if (ciphertext.Length != CiphertextBytes || secret.Length != SharedSecretLength)
        {
            throw new InvalidOperationException("BouncyCastle's sntrup761 returned unexpected sizes");
        }

        return (ciphertext, secret);
    }

    private sealed class KeyPair(SNtruPrimePublicKeyParameters publicKey, SNtruPrimePrivateKeyParameters privateKey) : KemKeyPair
    {
        private readonly byte[] _publicKey = publicKey.GetEncoded();

        public override ReadOnlySpan<byte> PublicKey => _publicKey;

        public override byte[] Decapsulate(ReadOnlySpan<byte> ciphertext)
        {
            if (ciphertext.Length != CiphertextBytes)
            {
                throw KexFailure.Failed($"sntrup761 ciphertext is {ciphertext.Length} bytes, expected {CiphertextBytes}");
            }

            return new SNtruPrimeKemExtractor(privateKey).ExtractSecret(ciphertext.ToArray());
        }
    }
}
