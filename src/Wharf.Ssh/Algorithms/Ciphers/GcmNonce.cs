using System.Buffers.Binary;

namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>
/// The AES-GCM nonce of RFC 5647 §7.1: a 4-byte fixed field and an 8-byte big-endian invocation
/// counter, both from the IV, the counter incremented after every packet. The counter is the
/// only thing that binds a packet to its position (the sequence number is not in the tag), so
/// each direction keeps its own and it must never repeat under one key.
/// </summary>
internal static class GcmNonce
{
    /// <summary>Bytes of nonce (and of IV material).</summary>
    public const int Size = 12;

    /// <summary>Adds one to the invocation counter, wrapping at 2^64 as OpenSSH does.</summary>
    public static void Increment(Span<byte> nonce)
    {
        var counter = nonce.Slice(4, 8);
        BinaryPrimitives.WriteUInt64BigEndian(counter, unchecked(BinaryPrimitives.ReadUInt64BigEndian(counter) + 1));
    }
}
