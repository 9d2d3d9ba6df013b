using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Wharf.Sftp.Protocol;

/// <summary>
/// Client path handling: decoding from the wire and lexical normalisation into the absolute
/// virtual paths an <see cref="FileSystem.IFileSystem"/> receives. Everything here is purely
/// textual — symlinks are the file system's business — and can never produce a path above "/".
/// </summary>
public static class SftpPath
{
    /// <summary>Longest path accepted, in UTF-8 bytes (well above PATH_MAX, so no real name is refused).</summary>
    public const int MaxPathBytes = 8192;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Decodes a path as sent by the client. OpenSSH treats paths as raw bytes; here they must be
    /// valid UTF-8 because the file system contract works on strings, and must not contain NUL
    /// because the name would be silently cut short by the operating system. Both are refused
    /// rather than guessed at (the session answers SSH_FX_FAILURE, "invalid file name").
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out string? path)
    {
        path = null;
        if (bytes.Length > MaxPathBytes || bytes.IndexOf((byte)0) >= 0)
        {
            return false;
        }

        try
        {
            path = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>
    /// Makes <paramref name="path"/> absolute (a relative path starts at <paramref name="home"/>,
    /// an empty one is <paramref name="home"/> itself) and normalises it lexically: empty and "."
    /// components vanish, ".." removes the previous component and is ignored at the root.
    /// The result starts with "/", has no trailing "/" (except the root itself) and no NUL
    /// check is done here (see <see cref="TryDecode"/>).
    /// </summary>
    public static string Normalize(string path, string home = "/")
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(home);
        var parts = new List<string>();
        if (!path.StartsWith('/'))
        {
            Push(parts, home);
        }

        Push(parts, path);
        return parts.Count == 0 ? "/" : "/" + string.Join('/', parts);
    }

    /// <summary>Joins an absolute normalised directory and a name or relative path, then normalises.</summary>
    public static string Combine(string directory, string name) =>
        Normalize(name.StartsWith('/') ? name : directory.TrimEnd('/') + "/" + name);

    private static void Push(List<string> parts, string path)
    {
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }
    }
}
