namespace Wharf.Ssh.Keys;

/// <summary>
/// Blowfish with the expensive ("Eks") key schedule that bcrypt needs. BouncyCastle's engine
/// hides its state, so bcrypt_pbkdf cannot be built on it; this class exposes exactly the
/// operations OpenBSD's bcrypt uses: expandstate, expand0state and block encryption.
/// </summary>
internal sealed class Blowfish
{
    private const int Rounds = 16;

    private readonly uint[] _p = new uint[Rounds + 2];
    private readonly uint[] _s = new uint[1024];

    public Blowfish() => Reset();

    /// <summary>Back to the pi-derived initial state.</summary>
    public void Reset()
    {
        BlowfishTables.P.CopyTo(_p, 0);
        BlowfishTables.S.CopyTo(_s, 0);
    }

    /// <summary>The standard Blowfish key schedule (for the classic test vectors).</summary>
    public static Blowfish WithKey(ReadOnlySpan<byte> key)
    {
        var bf = new Blowfish();
        bf.Expand0State(key);
        return bf;
    }

    /// <summary>Next big-endian 32-bit word of <paramref name="data"/>, cycling back to the start.</summary>
    private static uint StreamToWord(ReadOnlySpan<byte> data, ref int position)
    {
        uint word = 0;
        for (int i = 0; i < 4; i++)
        {
            if (position >= data.Length)
            {
                position = 0;
            }

            word = (word << 8) | data[position++];
        }

        return word;
    }

    /// <summary>Key schedule mixing in a salt: bcrypt's <c>Blowfish_expandstate</c>.</summary>
    public void ExpandState(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key)
    {
        int j = 0;
        for (int i = 0; i < _p.Length; i++)
        {
            _p[i] ^= StreamToWord(key, ref j);
        }

        j = 0;
        uint left = 0, right = 0;
        for (int i = 0; i < _p.Length; i += 2)
        {
            left ^= StreamToWord(data, ref j);
            right ^= StreamToWord(data, ref j);
            Encipher(ref left, ref right);
            _p[i] = left;
            _p[i + 1] = right;
        }

        for (int i = 0; i < _s.Length; i += 2)
        {
            left ^= StreamToWord(data, ref j);
            right ^= StreamToWord(data, ref j);
            Encipher(ref left, ref right);
            _s[i] = left;
            _s[i + 1] = right;
        }
    }

    /// <summary>The plain key schedule: <c>Blowfish_expand0state</c>.</summary>
    public void Expand0State(ReadOnlySpan<byte> key)
    {
        int j = 0;
        for (int i = 0; i < _p.Length; i++)
        {
            _p[i] ^= StreamToWord(key, ref j);
        }

        uint left = 0, right = 0;
        for (int i = 0; i < _p.Length; i += 2)
        {
            Encipher(ref left, ref right);
            _p[i] = left;
            _p[i + 1] = right;
        }

        for (int i = 0; i < _s.Length; i += 2)
        {
            Encipher(ref left, ref right);
            _s[i] = left;
            _s[i + 1] = right;
        }
    }

    /// <summary>Encrypts one 64-bit block held as two big-endian halves.</summary>
    public void Encipher(ref uint left, ref uint right)
    {
        uint l = left ^ _p[0];
        uint r = right;
        for (int i = 1; i <= Rounds; i += 2)
        {
            r ^= F(l) ^ _p[i];
            l ^= F(r) ^ _p[i + 1];
        }

        left = r ^ _p[Rounds + 1];
        right = l;
    }

    /// <summary>Encrypts an 8-byte block in place (big-endian, as the published test vectors are).</summary>
    public void EncryptBlock(Span<byte> block)
    {
        uint l = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(block);
        uint r = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(block[4..]);
        Encipher(ref l, ref r);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(block, l);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(block[4..], r);
    }

    private uint F(uint x) =>
        ((_s[x >> 24] + _s[256 + ((x >> 16) & 0xff)]) ^ _s[512 + ((x >> 8) & 0xff)]) + _s[768 + (x & 0xff)];
}
