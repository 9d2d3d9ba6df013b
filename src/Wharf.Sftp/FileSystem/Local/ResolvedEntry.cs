using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Wharf.Sftp.FileSystem.Local;

/// <summary>
/// A path resolved to a verified directory descriptor inside the root plus one name in it, so
/// that the operation itself is a single <c>*at</c> call that cannot be redirected by a change
/// higher up the path. <see cref="Name"/> is <c>.</c> when the path names the directory itself
/// (the root, or a path ending in <c>..</c>).
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class ResolvedEntry : IDisposable
{
    private SafeFileHandle? _owned;

    public ResolvedEntry(SafeFileHandle directory, bool ownsDirectory, string name, LocalStat? stat, IReadOnlyList<string>? directoryComponents, string virtualPath)
    {
        Directory = directory;
        _owned = ownsDirectory ? directory : null;
        Name = name;
        Stat = stat;
        DirectoryComponents = directoryComponents;
        VirtualPath = virtualPath;
    }

    public SafeFileHandle Directory { get; }

    public string Name { get; }

    /// <summary>lstat of <see cref="Name"/> at resolution time; null when it did not exist.</summary>
    public LocalStat? Stat { get; }

    public bool Exists => Stat.HasValue;

    public bool IsDirectoryItself => Name == ".";

    /// <summary>The canonical virtual components of <see cref="Directory"/>; only from a full walk.</summary>
    public IReadOnlyList<string>? DirectoryComponents { get; }

    /// <summary>The path as the client gave it, for messages.</summary>
    public string VirtualPath { get; }

    /// <summary>The canonical virtual path of the entry (only after a full walk).</summary>
    public string CanonicalPath
    {
        get
        {
            var dir = DirectoryComponents ?? throw new InvalidOperationException("not resolved by a walk");
            return IsDirectoryItself ? LocalPath.Join(dir) : LocalPath.Join(dir.Append(Name));
        }
    }

    /// <summary>A descriptor for <see cref="Directory"/> that the caller owns from now on.</summary>
    public SafeFileHandle DetachDirectory(string operation)
    {
        if (_owned is { } owned)
        {
            _owned = null;
            return owned;
        }

        var dup = LocalNative.Wrap(LocalNative.OpenAt(Directory, ".", LocalNative.OPath | LocalNative.ODirectory | LocalNative.OCloExec, 0), out int errno);
        return dup ?? throw LocalErrorMapper.FromErrno(errno, operation, VirtualPath);
    }

    /// <summary>Fails when the operation would act on a directory through its own name (<c>/</c>, <c>x/..</c>).</summary>
    public void RequireName(string operation)
    {
        if (IsDirectoryItself)
        {
            throw new SftpException(SftpStatusCode.PermissionDenied, $"{operation} {VirtualPath}: not allowed on this directory");
        }
    }

    public void Dispose()
    {
        _owned?.Dispose();
        _owned = null;
    }
}
