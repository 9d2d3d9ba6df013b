using System.Runtime.InteropServices;

namespace Wharf.Server.Commands.System;

/// <summary>Maps a path a client gave to a system command onto the user's home, refusing anything that leaves it.</summary>
internal static partial class HomePaths
{
    /// <summary>A resolved path: the virtual one ("/a/b"), the physical one, and the one inside the sandbox ("/home/a/b").</summary>
    internal readonly record struct Resolved(string Virtual, string Physical)
    {
        /// <summary>The path as the sandboxed command sees it (the home is mounted at <see cref="Sandbox.HomeInside"/>; a trailing slash kept).</summary>
        public string Inside => Sandbox.HomeInside + (Virtual == "/" ? "" : Virtual) + (Physical.EndsWith('/') ? "/" : "");
    }

    /// <summary>
    /// Resolves <paramref name="path"/> relative to <paramref name="home"/> ("/" and "~" mean the home
    /// root), lexically, then checks that the existing part, with symlinks resolved, stays in the home.
    /// Returns null and an error when it does not. A trailing slash is kept (rsync gives it meaning).
    /// </summary>
    internal static Resolved? Resolve(string home, string path, out string error)
    {
        error = "";
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            error = "path contains a NUL character";
            return null;
        }

        string p = path;
        if (p == "~")
        {
            p = "";
        }
        else if (p.StartsWith("~/", StringComparison.Ordinal))
        {
            p = p[2..];
        }

        var parts = new List<string>();
        foreach (var seg in p.Split('/'))
        {
            if (seg is "" or ".")
            {
                continue;
            }

            if (seg == "..")
            {
                if (parts.Count == 0)
                {
                    error = $"path '{path}' is outside the home directory";
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(seg);
        }

        string homeFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(home));
        string rel = string.Join('/', parts);
        string physical = rel.Length == 0 ? homeFull : homeFull + "/" + rel;
        if (!IsInsideRealHome(homeFull, physical, out error))
        {
            error = error.Length > 0 ? error : $"path '{path}' is outside the home directory";
            return null;
        }

        bool trailing = p.EndsWith('/') || p.EndsWith("/.", StringComparison.Ordinal) || (p is "." && rel.Length == 0);
        return new Resolved("/" + rel, trailing && !physical.EndsWith('/') ? physical + "/" : physical);
    }

    /// <summary>True when the longest existing prefix of <paramref name="physical"/>, symlinks resolved, is in the home.</summary>
    private static bool IsInsideRealHome(string home, string physical, out string error)
    {
        error = "";
        string? homeReal = RealPath(home);
        if (homeReal is null)
        {
            error = "the home directory does not exist";
            return false;
        }

        // Find the longest prefix that exists (a dangling symlink counts as existing, and fails below).
        string current = physical;
        while (!Exists(current))
        {
            var parent = Path.GetDirectoryName(current);
            if (parent is null || parent.Length < home.Length)
            {
                return true;
            }

            current = parent;
        }

        string? real = RealPath(current);
        if (real is null)
        {
            error = $"'{current[home.Length..]}' is a broken symbolic link";
            return false;
        }

        return real == homeReal || real.StartsWith(homeReal.TrimEnd('/') + "/", StringComparison.Ordinal);
    }

    private static bool Exists(string p) => File.Exists(p) || Directory.Exists(p) || new FileInfo(p).LinkTarget is not null;

    /// <summary>realpath(3): the canonical path with every symlink resolved, or null when it cannot be resolved.</summary>
    internal static string? RealPath(string path)
    {
        nint r = NativeRealPath(path, 0);
        if (r == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(r);
        }
        finally
        {
            NativeFree(r);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint NativeRealPath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void NativeFree(nint p);
}
