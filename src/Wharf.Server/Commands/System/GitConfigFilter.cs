using System.Text;

namespace Wharf.Server.Commands.System;

/// <summary>
/// Reads a repository's own <c>config</c> (a file the user uploaded, so hostile) and writes it
/// again with only keys that cannot make git run a program or reach another repository. Git
/// reads the rewritten copy, bound read-only over the original inside the sandbox: what the user
/// wrote never reaches git's own parser. Many keys run programs (<c>tar.*.command</c>,
/// <c>core.sshCommand</c>, <c>filter.*</c>, <c>diff.external</c>, <c>gpg.program</c>,
/// <c>credential.helper</c>, <c>uploadpack.packObjectsHook</c>…) and <c>include.path</c> pulls in other
/// files, so the filter allows a short list and refuses the rest by name, rather than
/// chasing a deny list git keeps growing.
/// </summary>
internal static class GitConfigFilter
{
    /// <summary>The largest config file read; a repository's config is a few hundred bytes.</summary>
    internal const int MaxLength = 64 * 1024;

    private static readonly HashSet<string> Plain = new(StringComparer.Ordinal)
    {
        "core.repositoryformatversion", "core.filemode", "core.bare", "core.logallrefupdates", "core.ignorecase",
        "core.precomposeunicode", "core.symlinks", "core.sharedrepository", "core.compression", "core.loosecompression",
        "core.bigfilethreshold", "core.packedgitwindowsize", "core.packedgitlimit", "core.deltabasecachelimit",
        "core.autocrlf", "core.eol", "core.safecrlf", "core.quotepath", "core.checkstat", "core.trustctime",
        "core.commitgraph", "core.multipackindex", "core.abbrev", "core.warnambiguousrefs",
        "extensions.objectformat", "extensions.refstorage", "extensions.preciousobjects",
        "receive.denynonfastforwards", "receive.denydeletes", "receive.denydeletecurrent", "receive.denycurrentbranch",
        "receive.fsckobjects", "receive.unpacklimit", "receive.autogc", "receive.updateserverinfo", "receive.shallowupdate",
        "receive.maxinputsize", "receive.keepalive", "receive.advertiseatomic", "receive.advertisepushoptions", "receive.hiderefs",
        "uploadpack.hiderefs", "uploadpack.allowtipsha1inwant", "uploadpack.allowreachablesha1inwant",
        "uploadpack.allowanysha1inwant", "uploadpack.allowfilter", "uploadpack.allowrefinwant", "uploadpack.keepalive",
        "transfer.hiderefs", "transfer.fsckobjects", "transfer.unpacklimit",
        "pack.threads", "pack.window", "pack.depth", "pack.windowmemory", "pack.compression", "pack.packsizelimit",
        "pack.deltacachesize", "pack.deltacachelimit", "pack.usebitmaps", "pack.writebitmaphashcache",
        "gc.auto", "gc.autopacklimit", "gc.autodetach", "gc.packrefs", "gc.pruneexpire", "gc.reflogexpire",
        "gc.reflogexpireunreachable", "repack.writebitmaps", "repack.usedeltabaseoffset",
        "user.name", "user.email", "i18n.commitencoding", "i18n.logoutputencoding", "init.defaultbranch",
    };

    /// <summary>Keys allowed in a section with a subsection (<c>[remote "origin"]</c>): what clone and init write.</summary>
    private static readonly HashSet<string> WithSubsection = new(StringComparer.Ordinal)
    {
        "remote.url", "remote.pushurl", "remote.fetch", "remote.push", "remote.mirror", "remote.tagopt",
        "branch.remote", "branch.merge", "branch.rebase", "branch.pushremote", "branch.description",
    };

    /// <summary>
    /// The filtered config, or null with <paramref name="error"/> naming the first key (or line) that is
    /// not allowed or not understood.
    /// </summary>
    internal static string? Filter(string text, out string error)
    {
        error = "";
        var output = new StringBuilder();
        string? section = null, subsection = null;
        int line = 1, i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n')
            {
                line++;
                i++;
                continue;
            }

            if (c is ' ' or '\t' or '\r')
            {
                i++;
                continue;
            }

            if (c is '#' or ';')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (c == '[')
            {
                if (!ParseSection(text, ref i, out section, out subsection))
                {
                    error = $"line {line}: malformed section header";
                    return null;
                }

                output.Append('[').Append(section);
                if (subsection is not null)
                {
                    output.Append(" \"").Append(subsection.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                }

                output.Append("]\n");
                continue;
            }

            if (!char.IsAsciiLetter(c) || section is null)
            {
                error = $"line {line}: not a git config entry";
                return null;
            }

            int start = i;
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '-'))
            {
                i++;
            }

            string key = text[start..i].ToLowerInvariant();
            string full = $"{section}.{key}"; // a subsection's keys are matched without its name
            string shown = subsection is null ? $"{section}.{key}" : $"{section}.{subsection}.{key}";
            bool allowed = subsection is null ? Plain.Contains(full) : WithSubsection.Contains(full);
            if (!allowed)
            {
                error = $"repository config key '{shown}' is not allowed over SSH (keys that can run programs or name other files are refused)";
                return null;
            }

            while (i < text.Length && text[i] is ' ' or '\t')
            {
                i++;
            }

            string? value = null;
            if (i < text.Length && text[i] == '=')
            {
                i++;
                value = ParseValue(text, ref i, ref line, out bool ok);
                if (!ok)
                {
                    error = $"line {line}: malformed value of '{shown}'";
                    return null;
                }
            }
            else if (i < text.Length && text[i] is not ('\n' or '\r' or '#' or ';'))
            {
                error = $"line {line}: malformed entry '{shown}'";
                return null;
            }

            if (full == "receive.denycurrentbranch" && value is not null && value.Equals("updateInstead", StringComparison.OrdinalIgnoreCase))
            {
                // updateInstead checks the pushed tree out, which runs attribute filters on the server.
                error = "receive.denyCurrentBranch = updateInstead is not allowed over SSH";
                return null;
            }

            output.Append('\t').Append(key);
            if (value is not null)
            {
                output.Append(" = \"").Append(Escape(value)).Append('"');
            }

            output.Append('\n');
        }

        return output.ToString();
    }

    private static string Escape(string value) => value
        .Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal).Replace("\b", "\\b", StringComparison.Ordinal);

    /// <summary>[section], [section "subsection"] or the old [section.subsection]; names are case-insensitive.</summary>
    private static bool ParseSection(string text, ref int i, out string? section, out string? subsection)
    {
        section = subsection = null;
        i++;
        int start = i;
        while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '-' or '.'))
        {
            i++;
        }

        string name = text[start..i];
        if (name.Length == 0 || i >= text.Length)
        {
            return false;
        }

        if (text[i] == ']')
        {
            i++;
            int dot = name.IndexOf('.', StringComparison.Ordinal);
            section = (dot < 0 ? name : name[..dot]).ToLowerInvariant();
            subsection = dot < 0 ? null : name[(dot + 1)..].ToLowerInvariant();
            return section.Length > 0 && (subsection is null || subsection.Length > 0) && RestOfLineIsEmpty(text, i);
        }

        if (text[i] != ' ' || name.Contains('.', StringComparison.Ordinal))
        {
            return false;
        }

        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }

        if (i >= text.Length || text[i] != '"')
        {
            return false;
        }

        i++;
        var sub = new StringBuilder();
        while (i < text.Length && text[i] != '"')
        {
            char c = text[i];
            if (c == '\n')
            {
                return false;
            }

            if (c == '\\')
            {
                if (++i >= text.Length || text[i] == '\n')
                {
                    return false;
                }

                c = text[i];
            }

            sub.Append(c);
            i++;
        }

        if (i + 1 >= text.Length || text[i + 1] != ']')
        {
            return false;
        }

        i += 2;
        section = name.ToLowerInvariant();
        subsection = sub.ToString();
        return RestOfLineIsEmpty(text, i);
    }

    private static bool RestOfLineIsEmpty(string text, int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t' or '\r')
        {
            i++;
        }

        return i >= text.Length || text[i] is '\n' or '#' or ';';
    }

    /// <summary>A value as git reads it: quotes, escapes, comments and backslash-newline continuations.</summary>
    private static string ParseValue(string text, ref int i, ref int line, out bool ok)
    {
        ok = true;
        var value = new StringBuilder();
        bool quoted = false;
        int trailingSpace = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n' && !quoted)
            {
                break;
            }

            if (c == '\n')
            {
                ok = false;
                return "";
            }

            if (!quoted && c is '#' or ';')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }

                break;
            }

            i++;
            if (c == '"')
            {
                quoted = !quoted;
                trailingSpace = 0;
                continue;
            }

            if (c == '\\')
            {
                if (i >= text.Length)
                {
                    ok = false;
                    return "";
                }

                char e = text[i++];
                switch (e)
                {
                    case '\n':
                        line++;
                        continue;
                    case '\r' when i < text.Length && text[i] == '\n':
                        i++;
                        line++;
                        continue;
                    case 'n':
                        value.Append('\n');
                        break;
                    case 't':
                        value.Append('\t');
                        break;
                    case 'b':
                        value.Append('\b');
                        break;
                    case '\\' or '"':
                        value.Append(e);
                        break;
                    default:
                        ok = false;
                        return "";
                }

                trailingSpace = 0;
                continue;
            }

            if (!quoted && c is ' ' or '\t' or '\r')
            {
                if (value.Length == 0)
                {
                    continue; // leading blanks
                }

                trailingSpace++;
                value.Append(c);
                continue;
            }

            trailingSpace = 0;
            value.Append(c);
        }

        if (quoted)
        {
            ok = false;
            return "";
        }

        value.Length -= trailingSpace;
        return value.ToString();
    }
}
