using System.IO.Pipelines;

namespace Wharf.Sftp.Protocol;

// Placeholder until the protocol engine lands; replaced by the real implementation.
public sealed partial class SftpSession
{
    public partial Task<int> RunAsync(PipeReader input, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> output, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}
