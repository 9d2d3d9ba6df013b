namespace Wharf.Server.Accounts;

/// <summary>Per-directory permissions, with SFTPGo's names.</summary>
public static class Permission
{
    public const string All = "*";
    public const string List = "list";
    public const string Download = "download";
    public const string Upload = "upload";
    public const string Overwrite = "overwrite";
    public const string Delete = "delete";
    public const string Rename = "rename";
    public const string CreateDirs = "create_dirs";
    public const string CreateSymlinks = "create_symlinks";
    public const string Chmod = "chmod";
    public const string Chown = "chown";
    public const string Chtimes = "chtimes";

    /// <summary>Every known name except <c>*</c>.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [List, Download, Upload, Overwrite, Delete, Rename, CreateDirs, CreateSymlinks, Chmod, Chown, Chtimes];

    /// <summary>True for a known name or <c>*</c>.</summary>
    public static bool IsKnown(string name) => name == All || Names.Contains(name);
}
