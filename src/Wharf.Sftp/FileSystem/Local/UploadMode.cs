namespace Wharf.Sftp.FileSystem.Local;

/// <summary>How uploads reach their target (SFTPGo's <c>upload_mode</c>).</summary>
public enum UploadMode
{
    /// <summary>Writes go straight to the requested file.</summary>
    Standard = 0,

    /// <summary>
    /// Writes go to a hidden temporary file in the same directory, renamed over the target when
    /// the client closes the handle; if the session ends first, the temporary file is deleted, so
    /// the target never holds a partial upload.
    /// </summary>
    Atomic = 1,

    /// <summary>As <see cref="Atomic"/>, but a session that ends early leaves its partial data at the target so that the client can resume.</summary>
    AtomicWithResume = 2,
}
