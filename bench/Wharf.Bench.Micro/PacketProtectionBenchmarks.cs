using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Wharf.Ssh.Algorithms;
using Wharf.Ssh.Algorithms.Ciphers;
using Wharf.Ssh.Algorithms.Macs;

namespace Wharf.Bench.Micro;

/// <summary>
/// Seal and open of one SSH packet per cipher, beside the raw BCL primitive doing the same
/// amount of work, so the figures show what the packet layer adds on top of the crypto.
/// </summary>
public class PacketProtectionBenchmarks
{
    private PacketEncryptor _encryptor = null!;
    private PacketDecryptor _decryptor = null!;
    private byte[] _packet = null!;
    private byte[] _tag = null!;
    private uint _sequence;

    // The raw primitives.
    private AesGcm _aesGcm = null!;
    private ChaCha20Poly1305 _chaCha = null!;
    private Aes _aes = null!;
    private byte[] _macKey = null!;
    private byte[] _scratch = null!;
    private readonly byte[] _nonce = new byte[12];

    [Params("aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr+hmac-sha2-256-etm@openssh.com")]
    public string Cipher { get; set; } = "";

    [Params(32 * 1024, 256 * 1024)]
    public int Payload { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string cipherName = Cipher.Split('+')[0];
        string? macName = Cipher.Contains('+', StringComparison.Ordinal) ? Cipher.Split('+')[1] : null;
        if (!CipherCatalog.TryGet(cipherName, out var cipher))
        {
            throw new InvalidOperationException(cipherName);
        }

        MacInfo? mac = null;
        if (macName is not null && !MacCatalog.TryGet(macName, out mac))
        {
            throw new InvalidOperationException(macName);
        }

        var key = RandomNumberGenerator.GetBytes(cipher.KeySize);
        var iv = RandomNumberGenerator.GetBytes(cipher.IvSize);
        _macKey = RandomNumberGenerator.GetBytes(mac?.KeySize ?? 0);
        _encryptor = PacketProtection.CreateEncryptor(cipher, key, iv, mac, _macKey);
        _decryptor = PacketProtection.CreateDecryptor(cipher, key, iv, mac, _macKey);

        // A data packet as the transport lays it out: length, padding length, payload, padding.
        int bs = _encryptor.BlockSize;
        int aligned = (_encryptor.AlignmentIncludesLength ? 5 : 1) + Payload;
        int padding = bs - (aligned % bs);
        if (padding < 4)
        {
            padding += bs;
        }

        _packet = new byte[5 + Payload + padding];
        RandomNumberGenerator.Fill(_packet);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(_packet, (uint)(_packet.Length - 4));
        _packet[4] = (byte)padding;
        _tag = new byte[_encryptor.TagSize];

        _aesGcm = new AesGcm(RandomNumberGenerator.GetBytes(16), 16);
        _chaCha = new ChaCha20Poly1305(RandomNumberGenerator.GetBytes(32));
        _aes = Aes.Create();
        _aes.Key = RandomNumberGenerator.GetBytes(16);
        _scratch = new byte[_packet.Length];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _encryptor.Dispose();
        _decryptor.Dispose();
        _aesGcm.Dispose();
        _chaCha.Dispose();
        _aes.Dispose();
    }

    /// <summary>Encrypts one packet in place and writes its tag (what PacketWriter does per packet).</summary>
    [Benchmark]
    public void Seal() => _encryptor.Encrypt(_sequence++, _packet, _tag);

    /// <summary>Seal, then authenticate and decrypt it again with the peer's state (open = this minus Seal).</summary>
    [Benchmark]
    public bool SealOpen()
    {
        uint seq = _sequence++;
        _encryptor.Encrypt(seq, _packet, _tag);
        _decryptor.DecryptLength(seq, _packet.AsSpan(0, _decryptor.LengthFieldSize));
        if (!_decryptor.DecryptAndVerify(seq, _packet, _tag))
        {
            throw new InvalidOperationException("tag mismatch");
        }

        return true;
    }

    /// <summary>The BCL primitive alone over the same bytes: the floor the packet layer is measured against.</summary>
    [Benchmark(Baseline = true)]
    public void RawPrimitive()
    {
        switch (Cipher)
        {
            case "aes128-gcm@openssh.com":
                _aesGcm.Encrypt(_nonce, _packet.AsSpan(4), _packet.AsSpan(4), _tag);
                break;
            case "chacha20-poly1305@openssh.com":
                _chaCha.Encrypt(_nonce, _packet.AsSpan(4), _packet.AsSpan(4), _tag);
                break;
            default:
                // AES-CTR keystream (ECB over counter blocks) and the HMAC over the packet.
                _aes.EncryptEcb(_packet.AsSpan(4), _scratch, PaddingMode.None);
                HMACSHA256.HashData(_macKey, _packet, _tag);
                break;
        }
    }
}
