using System.Text;
using Wharf.Sftp.FileSystem;
using Wharf.Ssh.Connection;

namespace Wharf.Server.Commands.Scp;

/// <summary>The "scp" exec command: the remote end of OpenSSH's legacy scp (<c>scp -O</c>) on the user's file system.</summary>
internal static class ScpCommand
{
    /// <summary>Runs <c>scp</c> with <paramref name="args"/> (the arguments after the name) over the channel.</summary>
    public static async Task<int> RunAsync(SshCommandContext ctx, IReadOnlyList<string> args, Func<IFileSystem> fileSystemFactory)
    {
        var io = new PipeScpStream(ctx.Channel.Input, (data, ct) => ctx.Channel.WriteAsync(data, ct));
        var (parsed, error) = ScpArguments.Parse(args);
        if (parsed is null)
        {
            // On stdout with the error byte, so a waiting scp client prints it; on stderr for a person.
            await io.WriteAsync(Encoding.UTF8.GetBytes($"\u0001scp: {error}\n"), ctx.Aborted).ConfigureAwait(false);
            await ctx.Channel.WriteErrorAsync(Encoding.UTF8.GetBytes($"scp: {error}\n"), ctx.Aborted).ConfigureAwait(false);
            return 1;
        }

        var fs = fileSystemFactory();
        try
        {
            return await new ScpTransfer(io, fs, parsed, ctx.Aborted).RunAsync().ConfigureAwait(false);
        }
        finally
        {
            switch (fs)
            {
                case IAsyncDisposable ad:
                    await ad.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable d:
                    d.Dispose();
                    break;
            }
        }
    }
}
