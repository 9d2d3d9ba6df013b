using System.Runtime.InteropServices;

namespace Wharf.Ssh.Algorithms.Native;

/// <summary>
/// The few OpenSSL 3 entry points the bulk ciphers use where the BCL has no API of the right
/// shape: AES in counter mode (the BCL has no CTR), raw ChaCha20 (the BCL has only the RFC 8439
/// AEAD, whose own Poly1305 pass would be wasted) and Poly1305 on its own. It is the same
/// libcrypto the BCL's own AES-GCM and ChaCha20-Poly1305 run on under Linux. Bound through
/// function pointers, as <see cref="Compression.ZlibNative"/> is. Anything missing (another OS,
/// OpenSSL 1.1, a provider without an algorithm) leaves <see cref="IsLoaded"/> or the fetched
/// algorithm null, and callers use the managed code instead.
/// </summary>
internal static unsafe class LibCrypto
{
    // OpenSSL 3 only: EVP_CIPHER_fetch and EVP_MAC do not exist in 1.1. Linux only: elsewhere the
    // BCL does not run on OpenSSL, and a libcrypto that happens to be installed is not vouched for.
    private static readonly string[] s_candidates = ["libcrypto.so.3"];

    private static readonly nint s_library;
    private static readonly delegate* unmanaged<nint, byte*, byte*, nint> s_cipherFetch;
    private static readonly delegate* unmanaged<nint, void> s_cipherFree;
    private static readonly delegate* unmanaged<nint> s_cipherCtxNew;
    private static readonly delegate* unmanaged<nint, void> s_cipherCtxFree;
    private static readonly delegate* unmanaged<nint, nint, nint, byte*, byte*, int, int> s_cipherInit;
    private static readonly delegate* unmanaged<nint, byte*, int*, byte*, int, int> s_cipherUpdate;
    private static readonly delegate* unmanaged<nint, byte*, byte*, nint> s_macFetch;
    private static readonly delegate* unmanaged<nint, void> s_macFree;
    private static readonly delegate* unmanaged<nint, nint> s_macCtxNew;
    private static readonly delegate* unmanaged<nint, void> s_macCtxFree;
    private static readonly delegate* unmanaged<nint, byte*, nuint, nint, int> s_macInit;
    private static readonly delegate* unmanaged<nint, byte*, nuint, int> s_macUpdate;
    private static readonly delegate* unmanaged<nint, byte*, nuint*, nuint, int> s_macFinal;
    private static readonly delegate* unmanaged<void> s_errClearError;

#pragma warning disable CA1810 // the loads depend on each other; a static constructor keeps them together
    static LibCrypto()
#pragma warning restore CA1810
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("WHARF_NATIVE_CRYPTO") == "0")
        {
            return;
        }

        foreach (var name in s_candidates)
        {
            if (NativeLibrary.TryLoad(name, typeof(LibCrypto).Assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.System32, out s_library))
            {
                break;
            }
        }

        if (s_library == 0)
        {
            return;
        }

        if (!TryExport("EVP_CIPHER_fetch", out var cipherFetch) || !TryExport("EVP_CIPHER_free", out var cipherFree)
            || !TryExport("EVP_CIPHER_CTX_new", out var cipherCtxNew) || !TryExport("EVP_CIPHER_CTX_free", out var cipherCtxFree)
            || !TryExport("EVP_CipherInit_ex", out var cipherInit) || !TryExport("EVP_CipherUpdate", out var cipherUpdate)
            || !TryExport("EVP_MAC_fetch", out var macFetch) || !TryExport("EVP_MAC_free", out var macFree)
            || !TryExport("EVP_MAC_CTX_new", out var macCtxNew) || !TryExport("EVP_MAC_CTX_free", out var macCtxFree)
            || !TryExport("EVP_MAC_init", out var macInit) || !TryExport("EVP_MAC_update", out var macUpdate)
            || !TryExport("EVP_MAC_final", out var macFinal) || !TryExport("ERR_clear_error", out var errClear))
        {
            s_library = 0;
            return;
        }

        s_cipherFetch = (delegate* unmanaged<nint, byte*, byte*, nint>)cipherFetch;
        s_cipherFree = (delegate* unmanaged<nint, void>)cipherFree;
        s_cipherCtxNew = (delegate* unmanaged<nint>)cipherCtxNew;
        s_cipherCtxFree = (delegate* unmanaged<nint, void>)cipherCtxFree;
        s_cipherInit = (delegate* unmanaged<nint, nint, nint, byte*, byte*, int, int>)cipherInit;
        s_cipherUpdate = (delegate* unmanaged<nint, byte*, int*, byte*, int, int>)cipherUpdate;
        s_macFetch = (delegate* unmanaged<nint, byte*, byte*, nint>)macFetch;
        s_macFree = (delegate* unmanaged<nint, void>)macFree;
        s_macCtxNew = (delegate* unmanaged<nint, nint>)macCtxNew;
        s_macCtxFree = (delegate* unmanaged<nint, void>)macCtxFree;
        s_macInit = (delegate* unmanaged<nint, byte*, nuint, nint, int>)macInit;
        s_macUpdate = (delegate* unmanaged<nint, byte*, nuint, int>)macUpdate;
        s_macFinal = (delegate* unmanaged<nint, byte*, nuint*, nuint, int>)macFinal;
        s_errClearError = (delegate* unmanaged<void>)errClear;

        static bool TryExport(string name, out nint address) => NativeLibrary.TryGetExport(s_library, name, out address);
    }

    /// <summary>Whether libcrypto 3 was found with every entry point used here.</summary>
    public static bool IsLoaded => s_library != 0;

    /// <summary>Fetches a cipher implementation by name ("AES-128-CTR", "ChaCha20"); 0 when the providers lack it.</summary>
    public static nint FetchCipher(string name) => IsLoaded ? Fetch(s_cipherFetch, name) : 0;

    /// <summary>Fetches a MAC implementation by name ("POLY1305"); 0 when the providers lack it.</summary>
    public static nint FetchMac(string name) => IsLoaded ? Fetch(s_macFetch, name) : 0;

    // EVP_CIPHER_fetch and EVP_MAC_fetch share a signature (library context, name, properties).
    private static nint Fetch(delegate* unmanaged<nint, byte*, byte*, nint> fetch, string name)
    {
        fixed (byte* n = NulTerminated(name))
        {
            nint algorithm = fetch(0, n, null);
            if (algorithm == 0)
            {
                s_errClearError();
            }

            return algorithm;
        }
    }

    public static void FreeCipher(nint cipher) => s_cipherFree(cipher);

    public static void FreeMac(nint mac) => s_macFree(mac);

    public static nint CipherCtxNew() => s_cipherCtxNew();

    public static void CipherCtxFree(nint ctx) => s_cipherCtxFree(ctx);

    /// <summary>EVP_CipherInit_ex: a null cipher, key or IV keeps the one already set; enc 1 encrypts, -1 keeps the direction.</summary>
    public static void CipherInit(nint ctx, nint cipher, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, int enc)
    {
        fixed (byte* k = key)
        fixed (byte* v = iv)
        {
            if (s_cipherInit(ctx, cipher, 0, key.IsEmpty ? null : k, iv.IsEmpty ? null : v, enc) != 1)
            {
                Fail("EVP_CipherInit_ex");
            }
        }
    }

    /// <summary>EVP_CipherUpdate of a stream cipher: <paramref name="output"/> gets exactly input's length (in place is allowed).</summary>
    public static void CipherUpdate(nint ctx, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (output.Length < input.Length)
        {
            throw new ArgumentException("output shorter than input", nameof(output));
        }

        if (input.IsEmpty)
        {
            return;
        }

        fixed (byte* i = input)
        fixed (byte* o = output)
        {
            int written = 0;
            if (s_cipherUpdate(ctx, o, &written, i, input.Length) != 1 || written != input.Length)
            {
                Fail("EVP_CipherUpdate");
            }
        }
    }

    public static nint MacCtxNew(nint mac) => s_macCtxNew(mac);

    public static void MacCtxFree(nint ctx) => s_macCtxFree(ctx);

    /// <summary>One whole MAC: init with <paramref name="key"/>, update with <paramref name="message"/>, final into <paramref name="tag"/>.</summary>
    public static void MacOneShot(nint ctx, ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        fixed (byte* k = key)
        fixed (byte* m = message)
        fixed (byte* t = tag)
        {
            nuint written = 0;
            if (s_macInit(ctx, k, (nuint)key.Length, 0) != 1
                || (!message.IsEmpty && s_macUpdate(ctx, m, (nuint)message.Length) != 1)
                || s_macFinal(ctx, t, &written, (nuint)tag.Length) != 1
                || written != (nuint)tag.Length)
            {
                Fail("EVP_MAC");
            }
        }
    }

    private static void Fail(string what)
    {
        s_errClearError();
        throw new System.Security.Cryptography.CryptographicException(what + " failed");
    }

    private static byte[] NulTerminated(string s)
    {
        var bytes = new byte[s.Length + 1];
        System.Text.Encoding.ASCII.GetBytes(s, bytes);
        return bytes;
    }
}
