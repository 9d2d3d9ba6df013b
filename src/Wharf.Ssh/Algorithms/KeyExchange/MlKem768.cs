using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>ML-KEM-768 (FIPS 203) through BouncyCastle.</summary>
internal sealed class MlKem768 : KeyEncapsulation
{
    /// <summary>FIPS 203 §8, table 3: ek is 384·k + 32 bytes with k = 3.</summary>
    public const int EncapsulationKeyLength = 1184;

    /// <summary>FIPS 203 §8, table 3: c is 32·(du·k + dv) bytes.</summary>
    public const int CiphertextBytes = 1088;

    private const int SeedLength = 64;

    public MlKem768(SecureRandom? random = null)
        : base(random)
    {
    }

    public override int PublicKeyLength => EncapsulationKeyLength;

    public override int CiphertextLength => CiphertextBytes;

    public override KemKeyPair GenerateKeyPair()
    {
        // Key generation is deterministic from the 64-byte seed d || z (FIPS 203 algorithm 19),
        // so drawing the seed here lets the published keyGen vectors test this very path.
        var seed = new byte[SeedLength];
        try
        {
            Random.NextBytes(seed);
            return new KeyPair(MLKemPrivateKeyParameters.FromSeed(MLKemParameters.ml_kem_768, seed));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>A key pair from a FIPS 203 decapsulation key, so published decapsulation vectors can be replayed.</summary>
    internal static KemKeyPair FromDecapsulationKey(byte[] decapsulationKey) =>
        new KeyPair(MLKemPrivateKeyParameters.FromEncoding(MLKemParameters.ml_kem_768, decapsulationKey));

    public override (byte[] Ciphertext, byte[] SharedSecret) Encapsulate(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != EncapsulationKeyLength)
        {
            throw KexFailure.Failed($"ML-KEM-768 encapsulation key is {publicKey.Length} bytes, expected {EncapsulationKeyLength}");
        }

        MLKemPublicKeyParameters key;
        try
        {
            // FromEncoding performs the FIPS 203 §7.2 input check: every coefficient must
            // re-encode to the same bytes, i.e. lie below q. A key failing it would have the
            // server encapsulate against something that is not an ML-KEM key.
            key = MLKemPublicKeyParameters.FromEncoding(MLKemParameters.ml_kem_768, publicKey.ToArray());
        }
        catch (ArgumentException ex)
        {
            throw KexFailure.Failed("ML-KEM-768 encapsulation key fails the FIPS 203 modulus check", ex);
        }

        var encapsulator = new MLKemEncapsulator(MLKemParameters.ml_kem_768);
        encapsulator.Init(new ParametersWithRandom(key, Random));
        var ciphertext = new byte[CiphertextBytes];
        var secret = new byte[SharedSecretLength];
        encapsulator.Encapsulate(ciphertext, secret);
        return (ciphertext, secret);
    }

    private sealed class KeyPair(MLKemPrivateKeyParameters privateKey) : KemKeyPair
    {
        private readonly byte[] _publicKey = privateKey.GetPublicKeyEncoded();

        public override ReadOnlySpan<byte> PublicKey => _publicKey;

        public override byte[] Decapsulate(ReadOnlySpan<byte> ciphertext)
        {
            if (ciphertext.Length != CiphertextBytes)
            {
                throw KexFailure.Failed($"ML-KEM-768 ciphertext is {ciphertext.Length} bytes, expected {CiphertextBytes}");
            }

            var decapsulator = new MLKemDecapsulator(MLKemParameters.ml_kem_768);
            decapsulator.Init(privateKey);
            var secret = new byte[SharedSecretLength];
            decapsulator.Decapsulate(ciphertext, secret);
            return secret;
        }
    }
}
