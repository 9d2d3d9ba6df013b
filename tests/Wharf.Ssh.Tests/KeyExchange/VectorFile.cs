using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>Reads the NIST-style "name = value" records under KeyExchange/Vectors.</summary>
internal static class VectorFile
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "KeyExchange", "Vectors", name);

    /// <summary>Records separated by blank lines; lines starting with '#' are comments.</summary>
    public static List<Dictionary<string, string>> Records(string name)
    {
        var records = new List<Dictionary<string, string>>();
        Dictionary<string, string>? current = null;
        foreach (var raw in File.ReadLines(PathOf(name)))
        {
            var line = raw.Trim();
            if (line.StartsWith('#'))
            {
                continue;
            }

            if (line.Length == 0)
            {
                current = null;
                continue;
            }

            int eq = line.IndexOf(" = ", StringComparison.Ordinal);
            Assert.True(eq > 0, $"malformed line in {name}: {line}");
            if (current is null)
            {
                current = new Dictionary<string, string>(StringComparer.Ordinal);
                records.Add(current);
            }

            current[line[..eq]] = line[(eq + 3)..];
        }

        return records;
    }

    public static byte[] Hex(this Dictionary<string, string> record, string key) => Convert.FromHexString(record[key]);
}

/// <summary>Hands out fixed bytes, in order, to replay a vector's randomness (ML-KEM's d || z or m).</summary>
internal sealed class FixedRandom(params byte[][] chunks) : IRandomGenerator
{
    private readonly byte[] _bytes = [.. chunks.SelectMany(c => c)];
    private int _position;

    public static SecureRandom Of(params byte[][] chunks) => new(new FixedRandom(chunks));

    public bool Exhausted => _position == _bytes.Length;

    public void AddSeedMaterial(byte[] seed) => throw new NotSupportedException();

    public void AddSeedMaterial(ReadOnlySpan<byte> seed) => throw new NotSupportedException();

    public void AddSeedMaterial(long seed) => throw new NotSupportedException();

    public void NextBytes(byte[] bytes) => NextBytes(bytes.AsSpan());

    public void NextBytes(byte[] bytes, int start, int len) => NextBytes(bytes.AsSpan(start, len));

    public void NextBytes(Span<byte> bytes)
    {
        if (bytes.Length > _bytes.Length - _position)
        {
            throw new InvalidOperationException("the vector's randomness is used up: the code draws more than the reference");
        }

        _bytes.AsSpan(_position, bytes.Length).CopyTo(bytes);
        _position += bytes.Length;
    }
}

/// <summary>
/// The deterministic randombytes of Vectors/sntrup761/driver.c: block i is
/// SHA-512(label || uint32_be(i)), blocks concatenated and consumed in order.
/// </summary>
internal sealed class Sha512StreamRandom(string label) : IRandomGenerator
{
    private readonly byte[] _label = System.Text.Encoding.ASCII.GetBytes(label);
    private readonly byte[] _block = new byte[64];
    private uint _index;
    private int _used = 64;

    public static SecureRandom Of(string label) => new(new Sha512StreamRandom(label));

    public void AddSeedMaterial(byte[] seed) => throw new NotSupportedException();

    public void AddSeedMaterial(ReadOnlySpan<byte> seed) => throw new NotSupportedException();

    public void AddSeedMaterial(long seed) => throw new NotSupportedException();

    public void NextBytes(byte[] bytes) => NextBytes(bytes.AsSpan());

    public void NextBytes(byte[] bytes, int start, int len) => NextBytes(bytes.AsSpan(start, len));

    public void NextBytes(Span<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (_used == 64)
            {
                byte[] input = [.. _label, (byte)(_index >> 24), (byte)(_index >> 16), (byte)(_index >> 8), (byte)_index];
                System.Security.Cryptography.SHA512.HashData(input, _block);
                _index++;
                _used = 0;
            }

            bytes[i] = _block[_used++];
        }
    }
}
