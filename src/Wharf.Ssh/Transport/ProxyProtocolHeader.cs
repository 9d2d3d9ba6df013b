using System.Net;

namespace Wharf.Ssh.Transport;

/// <summary>
/// A PROXY protocol header as received (haproxy's doc/proxy-protocol.txt).
/// <see cref="Source"/> is null when the header carries no client address to use: version 1
/// <c>UNKNOWN</c>, version 2 <c>LOCAL</c> (a health check by the proxy itself), or a version 2
/// family or transport other than TCP over IPv4/IPv6 (UNIX sockets, UDP, unspecified). The
/// spec says the receiver then keeps the connection's own addresses.
/// </summary>
/// <param name="Version">1 (text) or 2 (binary).</param>
/// <param name="Source">The client's address and port, or null (see above).</param>
/// <param name="Destination">The address and port the client connected to on the proxy, or null.</param>
/// <param name="Length">The header's length in bytes: what was consumed from the connection.</param>
internal sealed record ProxyProtocolHeader(int Version, IPEndPoint? Source, IPEndPoint? Destination, int Length);

/// <summary>What <see cref="ProxyProtocolParser.Parse"/> made of the bytes seen so far.</summary>
internal enum ProxyParseStatus
{
    /// <summary>The bytes are a valid beginning of a header; more are needed to decide.</summary>
    NeedMoreData,

    /// <summary>The first byte is neither version's signature: no header was sent.</summary>
    NotPresent,

    /// <summary>A complete, valid header.</summary>
    Parsed,

    /// <summary>A header that does not match the spec: the connection must be aborted.</summary>
    Invalid,
}

/// <summary>The outcome of parsing: a header when <see cref="ProxyParseStatus.Parsed"/>, a reason when <see cref="ProxyParseStatus.Invalid"/>.</summary>
internal readonly record struct ProxyParseResult(ProxyParseStatus Status, ProxyProtocolHeader? Header = null, string? Error = null)
{
    public static ProxyParseResult More => new(ProxyParseStatus.NeedMoreData);

    public static ProxyParseResult Invalid(string error) => new(ProxyParseStatus.Invalid, Error: error);
}
