// The application serves local directories through LocalFileSystem, which relies on Linux
// system calls (openat2, statx); other platforms would need another IFileSystem.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
