using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Wharf.Sftp.FileSystem.Local;

/// <summary>The temporary file of an atomic upload and where it goes when the upload ends.</summary>
[SupportedOSPlatform("linux")]
internal sealed class AtomicUpload(SafeFileHandle directory, string tempName, string targetName, bool noReplace, UploadMode mode) : IDisposable
{
    public string TempName => tempName;

    /// <summary>Moves the upload into place (CLOSE); on failure the temporary file is removed.</summary>
    public void Commit(string path)
    {
        int errno = LocalFileSystem.Rename(directory, tempName, directory, targetName, noReplace);
        if (errno != 0)
        {
            LocalNative.UnlinkAt(directory, tempName, 0);
            throw LocalErrorMapper.FromErrno(errno, "close", path);
        }
    }

    /// <summary>
    /// The session ended without a CLOSE: the partial upload is dropped, or in resume mode put in
    /// place so that the client can continue it. Best effort — there is no one left to tell.
    /// </summary>
    public void Abort()
    {
        if (mode == UploadMode.AtomicWithResume && LocalFileSystem.Rename(directory, tempName, directory, targetName, noReplace) == 0)
        {
            return;
        }

        LocalNative.UnlinkAt(directory, tempName, 0);
    }

    public void Dispose() => directory.Dispose();
}
