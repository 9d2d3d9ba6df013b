using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.Compression;

/// <summary>Compresses outgoing payloads; one instance per direction and per NEWKEYS, its state spans packets.</summary>
public abstract class PayloadCompressor : IDisposable
{
    /// <summary>Appends the compressed form of <paramref name="payload"/> to <paramref name="output"/>, flushed so the peer can decompress this packet on its own.</summary>
    public abstract void Compress(ReadOnlySpan<byte> payload, SshWriter output);

    /// <inheritdoc/>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>Decompresses incoming payloads; the state spans packets.</summary>
public abstract class PayloadDecompressor : IDisposable
{
    /// <summary>
    /// Appends the decompressed form of <paramref name="payload"/> to <paramref name="output"/>.
    /// Throws <see cref="SshConnectionException"/> (<see cref="SshDisconnectReason.CompressionError"/>)
    /// on corrupt data or when the output would exceed <paramref name="maxOutput"/> bytes (a
    /// compression bomb): inflation stops at the limit, it never buffers past it.
    /// </summary>
    public abstract void Decompress(ReadOnlySpan<byte> payload, SshWriter output, int maxOutput);

    /// <inheritdoc/>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
