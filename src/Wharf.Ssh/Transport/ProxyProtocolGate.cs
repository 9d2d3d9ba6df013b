using System.IO.Pipelines;
using System.Net;

namespace Wharf.Ssh.Transport;

/// <summary>
/// The decision for one connection: the client address to use, the proxy it came through
/// (when a header named the client), or why it is refused.
/// </summary>
/// <param name="Client">The client: from the header, or the socket's peer.</param>
/// <param name="Proxy">The socket's peer when a header supplied <paramref name="Client"/>; otherwise null.</param>
/// <param name="Refusal">Why the connection is refused, or null to go on.</param>
/// <param name="Quiet">The refusal is unremarkable (the peer closed before sending anything) and is logged at debug level.</param>
internal readonly record struct ProxyGateResult(IPEndPoint? Client, IPEndPoint? Proxy, string? Refusal, bool Quiet = false);

/// <summary>
/// The PROXY protocol policy of <see cref="SshServerOptions"/>, SFTPGo's (internal/common/common.go,
/// getProxyPolicy) with one difference the issue asks for; docs/availability.md has the table.
/// <list type="bullet">
/// <item>A source in <see cref="SshServerOptions.ProxySkipped"/>: not read, taken as plain.</item>
/// <item>A source in <see cref="SshServerOptions.ProxyAllowed"/>: its header is used; with
/// <see cref="ProxyProtocolMode.Require"/> one is required, with <see cref="ProxyProtocolMode.Accept"/>
/// a plain connection is taken as it is.</item>
/// <item>Any other source: with Require, refused at once, nothing read; with Accept, a plain
/// connection is taken, but a header is refused (SFTPGo would read and ignore it).</item>
/// </list>
/// </summary>
internal static class ProxyProtocolGate
{
    public static async ValueTask<ProxyGateResult> PassAsync(SshServerOptions options, PipeReader input, IPEndPoint? peer, CancellationToken ct)
    {
        var address = peer?.Address is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : peer?.Address;
        if (address is not null && Matches(options.ProxySkipped, address))
        {
            return new(peer, null, null);
        }

        bool allowed = address is not null && Matches(options.ProxyAllowed, address);
        bool require = options.ProxyProtocol == ProxyProtocolMode.Require;
        if (require && !allowed)
        {
            return new(peer, null, "source not in the PROXY protocol's allowed list (a header is required, and only allowed sources may send one)");
        }

        var read = await ProxyProtocolReader.ReadAsync(input, options.ProxyHeaderTimeout, ct).ConfigureAwait(false);
        return read.Status switch
        {
            ProxyReadStatus.Invalid => new(peer, null, "invalid PROXY header: " + read.Error),
            ProxyReadStatus.Header when !allowed => new(peer, null, "PROXY header from a source that is not allowed to send one"),
            ProxyReadStatus.Header => read.Header!.Source is { } client ? new(client, peer, null) : new(peer, null, null),
            ProxyReadStatus.Closed when require => new(peer, null, "closed before sending a PROXY header", Quiet: true),
            ProxyReadStatus.Silent when require => new(peer, null, $"no PROXY header within {options.ProxyHeaderTimeout.TotalSeconds:0.#} s"),
            ProxyReadStatus.Absent when require => new(peer, null, "no PROXY header (one is required)"),
            _ => new(peer, null, null), // Accept without a header: the socket's peer is the client
        };
    }

    private static bool Matches(List<IPNetwork> networks, IPAddress address)
    {
        foreach (var n in networks)
        {
            if (n.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
