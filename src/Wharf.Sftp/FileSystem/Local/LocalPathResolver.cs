using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using static Wharf.Sftp.FileSystem.Local.LocalNative;

namespace Wharf.Sftp.FileSystem.Local;

/// <summary>
/// Turns virtual paths into descriptors without ever leaving the root directory. The kernel does
/// the confinement when it can (openat2 with RESOLVE_BENEATH: any <c>..</c> or symlink that would
/// climb out, and any absolute symlink, fails with EXDEV). Otherwise — and whenever the caller needs
/// the canonical path or the last component is a symlink to follow — a component-by-component walk
/// does the same with O_PATH|O_NOFOLLOW descriptors: each step is taken relative to the descriptor
/// of the previous one, so renaming or swapping a component after it was checked cannot redirect
/// the walk, and <c>..</c> pops the walk's own stack rather than asking the disk.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class LocalPathResolver
{
    private const int MaxSymlinks = 40;
    private const int WalkFlags = OPath | OCloExec;
    private const ulong ResolveFlags = ResolveBeneath | ResolveNoMagicLinks;

    private const ulong ResolveNoSymlinks = 0x04;

    private readonly SafeFileHandle _root;
    private readonly bool _refuseSymlinks;
    private readonly ulong _resolveFlags;
    private volatile bool _useOpenat2;

    public LocalPathResolver(SafeFileHandle root, bool useOpenat2, bool refuseSymlinks = false)
    {
        _root = root;
        _useOpenat2 = useOpenat2;
        _refuseSymlinks = refuseSymlinks;
        _resolveFlags = refuseSymlinks ? ResolveFlags | ResolveNoSymlinks : ResolveFlags;
    }

    public SafeFileHandle Root => _root;

    /// <summary>Whether openat2 is (still) in use: it is dropped for good on ENOSYS.</summary>
    public bool UsesOpenat2 => _useOpenat2;

    /// <summary>
    /// Resolves all but the last component (following symlinks inside the root), and the last one
    /// too when <paramref name="followLast"/>. With <paramref name="allowMissing"/> a missing last
    /// component is returned with no stat; otherwise it is NoSuchFile. <paramref name="canonical"/>
    /// forces the walk so that <see cref="ResolvedEntry.DirectoryComponents"/> is known.
    /// </summary>
    public ResolvedEntry Resolve(string path, bool followLast, bool allowMissing, string operation, bool canonical = false)
    {
        var components = LocalPath.Split(path, operation);
        if (!canonical && _useOpenat2 && components.Count > 0 && components[^1] != "..")
        {
            string parent = components.Count == 1 ? "." : string.Join('/', components.Take(components.Count - 1));
            int fd = Openat2(_root, parent, OPath | ODirectory | OCloExec, _resolveFlags);
            if (fd >= 0)
            {
                var dir = new SafeFileHandle(fd, ownsHandle: true);
                string name = components[^1];
                int err = Statx(dir, name, followLinks: false, out var stat);
                if (err == 0 && !(followLast && stat.IsSymbolicLink))
                {
                    return new ResolvedEntry(dir, true, name, stat, null, path);
                }

                if (err == ENOENT && allowMissing)
                {
                    return new ResolvedEntry(dir, true, name, null, null, path);
                }

                dir.Dispose();
                if (err != 0)
                {
                    throw LocalErrorMapper.FromErrno(err, operation, path);
                }

                // The last component is a symlink to follow: the walk knows the directory its
                // relative target starts from.
            }
            else
            {
                ThrowUnlessFallback(LastErrno, operation, path);
            }
        }

        return Walk(components, followLast, allowMissing, operation, path, !_refuseSymlinks);
    }

    /// <summary>Opens the object <paramref name="path"/> names, following every symlink (inside the root).</summary>
    public SafeFileHandle Open(string path, int flags, string operation)
    {
        var components = LocalPath.Split(path, operation);
        if (_useOpenat2)
        {
            string relative = components.Count == 0 ? "." : string.Join('/', components);
            int fd = Openat2(_root, relative, flags | OCloExec, _resolveFlags);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }

            ThrowUnlessFallback(LastErrno, operation, path);
        }

        for (int attempt = 0; ; attempt++)
        {
            using var entry = Walk(components, followLast: true, allowMissing: false, operation, path, !_refuseSymlinks);
            var handle = Wrap(OpenAt(entry.Directory, entry.Name, flags | ONoFollow | OCloExec, 0), out int errno);
            if (handle is not null)
            {
                return handle;
            }

            // ELOOP: the name became a symlink after the walk looked at it; walk again.
            if (errno != ELOOP || attempt == 2)
            {
                throw LocalErrorMapper.FromErrno(errno, operation, path);
            }
        }
    }

    /// <summary>The canonical virtual path (symlinks resolved inside the root; a missing last component allowed).</summary>
    public string Canonicalize(string path, string operation)
    {
        using var entry = Walk(LocalPath.Split(path, operation), followLast: true, allowMissing: true, operation, path, followSymlinks: true);
        return entry.CanonicalPath;
    }

    private void ThrowUnlessFallback(int errno, string operation, string path)
    {
        switch (errno)
        {
            case ENOSYS or E2BIG:
                // Kernel before 5.6 (or a future struct size): the walk does the job from now on.
                _useOpenat2 = false;
                return;
            case EPERM or EAGAIN:
                // EPERM is what some seccomp profiles answer for syscalls they do not know; EAGAIN is
                // openat2's "a rename raced with ..". The walk gives the true answer in both cases.
                return;
            case EXDEV:
                throw LocalErrorMapper.Escape(operation, path);
            default:
                throw LocalErrorMapper.FromErrno(errno, operation, path);
        }
    }

    private ResolvedEntry Walk(List<string> components, bool followLast, bool allowMissing, string operation, string path, bool followSymlinks)
    {
        var pending = new Stack<string>();
        for (int i = components.Count - 1; i >= 0; i--)
        {
            pending.Push(components[i]);
        }

        var dirs = new List<(SafeFileHandle Fd, string Name)>();
        int links = 0;
        try
        {
            while (pending.Count > 0)
            {
                string component = pending.Pop();
                bool last = pending.Count == 0;
                var top = dirs.Count == 0 ? _root : dirs[^1].Fd;
                if (component == ".")
                {
                    if (last)
                    {
                        return Finish(dirs, ".", operation, path);
                    }

                    continue;
                }

                if (component == "..")
                {
                    if (dirs.Count == 0)
                    {
                        throw LocalErrorMapper.Escape(operation, path);
                    }

                    dirs[^1].Fd.Dispose();
                    dirs.RemoveAt(dirs.Count - 1);
                    if (last)
                    {
                        return Finish(dirs, ".", operation, path);
                    }

                    continue;
                }

                // O_PATH|O_NOFOLLOW opens a symlink itself, so what is examined is what is used.
                var fd = Wrap(OpenAt(top, component, WalkFlags | ONoFollow, 0), out int errno);
                if (fd is null)
                {
                    if (errno == ENOENT && last && allowMissing)
                    {
                        return Finish(dirs, component, (LocalStat?)null, path);
                    }

                    throw LocalErrorMapper.FromErrno(errno, operation, path);
                }

                bool kept = false;
                try
                {
                    int err = Statx(fd, "", followLinks: false, out var stat);
                    if (err != 0)
                    {
                        throw LocalErrorMapper.FromErrno(err, operation, path);
                    }

                    if (stat.IsSymbolicLink && (!last || followLast))
                    {
                        if (!followSymlinks || ++links > MaxSymlinks)
                        {
                            throw LocalErrorMapper.FromErrno(ELOOP, operation, path);
                        }

                        err = ReadLinkAt(fd, "", out var target);
                        if (err != 0)
                        {
                            throw LocalErrorMapper.FromErrno(err, operation, path);
                        }

                        if (target.Length == 0)
                        {
                            throw LocalErrorMapper.FromErrno(ENOENT, operation, path);
                        }

                        // Absolute targets are physical paths of the server: never followed.
                        if (target[0] == '/')
                        {
                            throw LocalErrorMapper.Escape(operation, path);
                        }

                        var parts = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
                        if (parts.Length == 0 || (last && target.EndsWith('/')))
                        {
                            pending.Push(".");
                        }

                        for (int i = parts.Length - 1; i >= 0; i--)
                        {
                            pending.Push(parts[i]);
                        }

                        continue;
                    }

                    if (last)
                    {
                        return Finish(dirs, component, stat, path);
                    }

                    if (!stat.IsDirectory)
                    {
                        throw LocalErrorMapper.FromErrno(ENOTDIR, operation, path);
                    }

                    dirs.Add((fd, component));
                    kept = true;
                }
                finally
                {
                    if (!kept)
                    {
                        fd.Dispose();
                    }
                }
            }

            return Finish(dirs, ".", operation, path);
        }
        finally
        {
            foreach (var (fd, _) in dirs)
            {
                fd.Dispose();
            }
        }
    }

    private ResolvedEntry Finish(List<(SafeFileHandle Fd, string Name)> dirs, string name, string operation, string path)
    {
        var top = dirs.Count == 0 ? _root : dirs[^1].Fd;
        int err = Statx(top, "", followLinks: false, out var stat);
        if (err != 0)
        {
            throw LocalErrorMapper.FromErrno(err, operation, path);
        }

        return Finish(dirs, name, stat, path);
    }

    private ResolvedEntry Finish(List<(SafeFileHandle Fd, string Name)> dirs, string name, LocalStat? stat, string path)
    {
        var components = dirs.Select(d => d.Name).ToArray();
        if (dirs.Count == 0)
        {
            return new ResolvedEntry(_root, false, name, stat, components, path);
        }

        // Ownership of the top descriptor moves to the entry; the walk's finally disposes the rest.
        var top = dirs[^1].Fd;
        dirs.RemoveAt(dirs.Count - 1);
        return new ResolvedEntry(top, true, name, stat, components, path);
    }
}
