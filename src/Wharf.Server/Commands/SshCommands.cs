using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Wharf.Server.Commands.Scp;
using Wharf.Sftp;
using Wharf.Sftp.FileSystem;
using Wharf.Ssh.Connection;

namespace Wharf.Server.Commands;

/// <summary>
/// The SSH commands served in-process against the user's file system (so they obey the same
/// confinement and permissions as SFTP and work on any storage): md5sum, sha1sum, sha256sum,
/// sha384sum, sha512sum, cd, pwd and scp (the legacy rcp protocol). Output matches GNU coreutils byte for byte.
/// </summary>
public static class SshCommands
{
    /// <summary>Every command this class serves.</summary>
    public static IReadOnlyList<string> Supported { get; } = ["md5sum", "sha1sum", "sha256sum", "sha384sum", "sha512sum", "cd", "pwd", "scp", "rsync", "git-receive-pack", "git-upload-pack", "git-upload-archive"];

    /// <summary>The default set, as SFTPGo's.</summary>
    public static IReadOnlyList<string> Defaults { get; } = ["md5sum", "sha1sum", "cd", "pwd"];

    /// <summary>
    /// A handler for <paramref name="commandLine"/>: the command if it is enabled, otherwise one
    /// that explains the refusal on stderr and exits with 127 (what a shell says for an unknown command).
    /// </summary>
    public static SshCommandHandler Resolve(string commandLine, IReadOnlySet<string> enabled, Func<IFileSystem> fileSystem, Func<Wharf.Server.Commands.System.SystemCommandContext?>? systemContext = null)
    {
        var args = CommandLineSplitter.Split(commandLine);
        if (args is null or { Count: 0 })
        {
            return Refuse("wharf: malformed command line\n", 2);
        }

        string name = args[0];
        if (Wharf.Server.Commands.System.SystemCommands.Names.Contains(name) && systemContext is not null && (enabled.Contains(name) || enabled.Contains("*")))
        {
            return systemContext() is { } context
                ? Wharf.Server.Commands.System.SystemCommands.Resolve(args, context)!
                : Refuse($"wharf: {name} is not available\n", 1);
        }

        if (!Supported.Contains(name) || !(enabled.Contains(name) || enabled.Contains("*")))
        {
            return Refuse($"wharf: command '{name}' is not enabled on this server\n", 127);
        }

        var rest = args.Skip(1).ToList();
        return name switch
        {
            "cd" => _ => Task.FromResult(0),
            "pwd" => async ctx =>
            {
                await ctx.Channel.WriteAsync("/\n"u8.ToArray(), ctx.Aborted).ConfigureAwait(false);
                return 0;
            },
            "scp" => ctx => ScpCommand.RunAsync(ctx, rest, fileSystem),
            _ => ctx => HashAsync(ctx, name, rest, fileSystem),
        };
    }

    private static SshCommandHandler Refuse(string message, int status) => async ctx =>
    {
        await ctx.Channel.WriteErrorAsync(Encoding.UTF8.GetBytes(message), ctx.Aborted).ConfigureAwait(false);
        return status;
    };

    private static HashAlgorithmName Algorithm(string command) => command switch
    {
        "md5sum" => HashAlgorithmName.MD5,
        "sha1sum" => HashAlgorithmName.SHA1,
        "sha256sum" => HashAlgorithmName.SHA256,
        "sha384sum" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    private static async Task<int> HashAsync(SshCommandContext ctx, string command, List<string> files, Func<IFileSystem> fileSystemFactory)
    {
        var algorithm = Algorithm(command);
        if (files.Count == 0)
        {
            files.Add("-");
        }

        IFileSystem? fs = null;
        int status = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            foreach (var file in files)
            {
                using var hash = IncrementalHash.CreateHash(algorithm);
                string? error = null;
                if (file == "-")
                {
                    while (true)
                    {
                        var r = await ctx.Channel.Input.ReadAsync(ctx.Aborted).ConfigureAwait(false);
                        foreach (var seg in r.Buffer)
                        {
                            hash.AppendData(seg.Span);
                        }

                        ctx.Channel.Input.AdvanceTo(r.Buffer.End);
                        if (r.IsCompleted)
                        {
                            break;
                        }
                    }
                }
                else
                {
                    fs ??= fileSystemFactory();
                    error = await HashFileAsync(fs, VirtualPath.Normalize(file), hash, buffer, ctx.Aborted).ConfigureAwait(false);
                }

                if (error is not null)
                {
                    status = 1;
                    await ctx.Channel.WriteErrorAsync(Encoding.UTF8.GetBytes($"{command}: {file}: {error}\n"), ctx.Aborted).ConfigureAwait(false);
                    continue;
                }

                await ctx.Channel.WriteAsync(Encoding.UTF8.GetBytes(FormatLine(Convert.ToHexStringLower(hash.GetHashAndReset()), file)), ctx.Aborted).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            (fs as IDisposable)?.Dispose();
        }

        return status;
    }

    /// <summary>coreutils: a name with a backslash or newline is escaped, and the line starts with a backslash.</summary>
    internal static string FormatLine(string hex, string name)
    {
        if (name.Contains('\\') || name.Contains('\n') || name.Contains('\r'))
        {
            var escaped = name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
            return $"\\{hex}  {escaped}\n";
        }

        return $"{hex}  {name}\n";
    }

    /// <summary>Hashes one file; returns coreutils' error text on failure.</summary>
    private static async Task<string?> HashFileAsync(IFileSystem fs, string path, IncrementalHash hash, byte[] buffer, CancellationToken ct)
    {
        try
        {
            var attrs = await fs.GetAttributesAsync(path, true, ct).ConfigureAwait(false);
            if (attrs.IsDirectory)
            {
                return "Is a directory";
            }

            await using var file = await fs.OpenFileAsync(path, SftpOpenFlags.Read, SftpFileAttributes.Empty, ct).ConfigureAwait(false);
            long offset = 0;
            int n;
            while ((n = await file.ReadAsync(offset, buffer, ct).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                offset += n;
            }

            await file.CloseAsync(ct).ConfigureAwait(false);
            return null;
        }
        catch (SftpException ex)
        {
            return ex.Code switch
            {
                SftpStatusCode.NoSuchFile or SftpStatusCode.NoSuchPath => "No such file or directory",
                SftpStatusCode.PermissionDenied => "Permission denied",
                _ => ex.Message,
            };
        }
    }
}
