using System.Runtime.InteropServices;

namespace Wharf.Ssh.Algorithms.Native;

/// <summary>
/// libcrypto's Poly1305 (EVP_MAC "POLY1305"): a context reused for every packet of one
/// direction, each packet under its own one-time key.
/// </summary>
internal sealed class NativePoly1305 : SafeHandle
{
    private static readonly Lazy<nint> s_poly1305 = new(() => LibCrypto.FetchMac("POLY1305"));

    private NativePoly1305()
        : base(0, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>A context, or null without libcrypto.</summary>
    public static NativePoly1305? Create()
    {
        if (s_poly1305.Value == 0)
        {
            return null;
        }

        var result = new NativePoly1305();
        result.SetHandle(LibCrypto.MacCtxNew(s_poly1305.Value));
        if (result.IsInvalid)
        {
            throw new OutOfMemoryException("EVP_MAC_CTX_new");
        }

        return result;
    }

    /// <summary>Writes the 16-byte tag of <paramref name="message"/> under the 32-byte one-time <paramref name="key"/>.</summary>
    public void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        if (key.Length != 32 || tag.Length < 16)
        {
            throw new ArgumentException("Poly1305 takes a 32-byte key and a 16-byte tag");
        }

        using var context = new NativeHandleLease(this);
        LibCrypto.MacOneShot(context.Handle, key, message, tag[..16]);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        LibCrypto.MacCtxFree(handle);
        return true;
    }
}
