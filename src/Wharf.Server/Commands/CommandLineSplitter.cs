using System.Text;

namespace Wharf.Server.Commands;

/// <summary>
/// Splits an exec command line into arguments the way a POSIX shell would for plain words and
/// quotes — and nothing more: no variables, globbing, redirection or command substitution, since
/// the line is never given to a shell.
/// </summary>
public static class CommandLineSplitter
{
    /// <summary>The arguments, or null when quotes are unbalanced.</summary>
    public static List<string>? Split(string line)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote == '\'')
            {
                if (c == '\'')
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (quote == '"')
            {
                if (c == '"')
                {
                    quote = '\0';
                }
                else if (c == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`')
                {
                    current.Append(line[++i]);
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is ' ' or '\t' or '\n')
            {
                if (inWord)
                {
                    args.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                inWord = true;
                if (c is '\'' or '"')
                {
                    quote = c;
                }
                else if (c == '\\' && i + 1 < line.Length)
                {
                    current.Append(line[++i]);
                }
                else
                {
                    current.Append(c);
                }
            }
        }

        if (quote != '\0')
        {
            return null;
        }

        if (inWord)
        {
            args.Add(current.ToString());
        }

        return args;
    }
}
