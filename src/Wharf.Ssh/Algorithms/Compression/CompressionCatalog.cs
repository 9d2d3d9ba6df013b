namespace Wharf.Ssh.Algorithms.Compression;

/// <summary>The compression algorithm names Wharf understands and factories for them.</summary>
public static class CompressionCatalog
{
    /// <summary>No compression (RFC 4253, required).</summary>
    public const string None = "none";

    /// <summary>zlib from the first packet after NEWKEYS (RFC 4253 §6.2).</summary>
    public const string Zlib = "zlib";

    /// <summary>zlib that starts only after SSH_MSG_USERAUTH_SUCCESS (draft-miller-secsh-compression-delayed).</summary>
    public const string ZlibOpenSsh = "zlib@openssh.com";

    /// <summary>
    /// Every supported name in default preference order. "none" comes first because compression
    /// rarely pays on fast links and costs CPU; the delayed variant precedes plain zlib so that
    /// unauthenticated peers never reach the inflater.
    /// </summary>
    public static IReadOnlyList<string> All { get; } = Array.AsReadOnly([None, ZlibOpenSsh, Zlib]);

    /// <summary>True when <paramref name="name"/> activates only after user authentication succeeds.</summary>
    public static bool IsDelayed(string name) => string.Equals(name, ZlibOpenSsh, StringComparison.Ordinal);

    /// <summary>A new compressor for <paramref name="name"/>; null for "none".</summary>
    /// <exception cref="ArgumentException">The name is not supported.</exception>
    public static PayloadCompressor? CreateCompressor(string name) => name switch
    {
        None => null,
        Zlib or ZlibOpenSsh => new ZlibCompressor(),
        _ => throw new ArgumentException($"Unsupported compression algorithm '{name}'.", nameof(name)),
    };

    /// <summary>A new decompressor for <paramref name="name"/>; null for "none".</summary>
    /// <exception cref="ArgumentException">The name is not supported.</exception>
    public static PayloadDecompressor? CreateDecompressor(string name) => name switch
    {
        None => null,
        Zlib or ZlibOpenSsh => new ZlibDecompressor(),
        _ => throw new ArgumentException($"Unsupported compression algorithm '{name}'.", nameof(name)),
    };
}
