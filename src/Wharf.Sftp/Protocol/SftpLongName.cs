using System.Globalization;
using Wharf.Sftp.FileSystem;

namespace Wharf.Sftp.Protocol;

/// <summary>
/// The "longname" of a READDIR entry, formatted like <c>ls -l</c> as OpenSSH's sftp-server does
/// (draft-02 §7 leaves the format open; clients such as sftp's "ls -l" print it verbatim).
/// </summary>
internal static class SftpLongName
{
    private const long SixMonths = 365L * 24 * 3600 / 2;

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    public static string Format(string name, SftpFileAttributes a, IFileOwnerNames? owners, DateTimeOffset now)
    {
        string mode = ModeString(a.Permissions);
        string user = a.Uid is { } uid ? owners?.GetUserName(uid) ?? uid.ToString(CultureInfo.InvariantCulture) : "?";
        string group = a.Gid is { } gid ? owners?.GetGroupName(gid) ?? gid.ToString(CultureInfo.InvariantCulture) : "?";
        string date = DateString(a.ModifyTime ?? 0, now);
        // The link count is not part of the file system contract; 1 is what ls shows for a plain file.
        return string.Create(CultureInfo.InvariantCulture, $"{mode} {1,4} {user,-8} {group,-8} {a.Size ?? 0,8} {date} {name}");
    }

    public static string DateString(uint mtime, DateTimeOffset now)
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(mtime).ToOffset(now.Offset);
        long age = now.ToUnixTimeSeconds() - mtime;
        string month = Months[t.Month - 1];
        return age < SixMonths && age > -SixMonths
            ? string.Create(CultureInfo.InvariantCulture, $"{month} {t.Day,2} {t.Hour:00}:{t.Minute:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{month} {t.Day,2}  {t.Year}");
    }

    public static string ModeString(uint? permissions)
    {
        if (permissions is not { } p)
        {
            return "??????????";
        }

        Span<char> s = stackalloc char[10];
        s[0] = (p & SftpFileAttributes.TypeMask) switch
        {
            SftpFileAttributes.TypeDirectory => 'd',
            SftpFileAttributes.TypeRegular => '-',
            SftpFileAttributes.TypeSymbolicLink => 'l',
            SftpFileAttributes.TypeFifo => 'p',
            SftpFileAttributes.TypeCharDevice => 'c',
            SftpFileAttributes.TypeBlockDevice => 'b',
            SftpFileAttributes.TypeSocket => 's',
            _ => '?',
        };
        Triple(s[1..4], p >> 6, (p & 0x800) != 0, 's');
        Triple(s[4..7], p >> 3, (p & 0x400) != 0, 's');
        Triple(s[7..10], p, (p & 0x200) != 0, 't');
        return new string(s);
    }

    // rwx for one class; the special bit replaces x with a lower-case letter when x is set, an
    // upper-case one when it is not, as ls does.
    private static void Triple(Span<char> s, uint bits, bool special, char letter)
    {
        s[0] = (bits & 4) != 0 ? 'r' : '-';
        s[1] = (bits & 2) != 0 ? 'w' : '-';
        bool x = (bits & 1) != 0;
        s[2] = special ? (x ? letter : char.ToUpperInvariant(letter)) : (x ? 'x' : '-');
    }
}
