namespace Wharf.Ssh;

/// <summary>
/// Whether connections may, or must, start with a PROXY protocol header (haproxy's
/// proxy-protocol.txt, versions 1 and 2) naming the real client behind a load balancer.
/// Which sources may send one is <see cref="SshServerOptions.ProxyAllowed"/>; sources in
/// <see cref="SshServerOptions.ProxySkipped"/> are never read for one. See docs/availability.md.
/// </summary>
public enum ProxyProtocolMode
{
    /// <summary>No PROXY protocol: the first byte is the client's SSH identification line.</summary>
    Off,

    /// <summary>
    /// A source in <see cref="SshServerOptions.ProxyAllowed"/> may send a header (its client
    /// address is used) or none (the socket's address is used); a header from any other source
    /// is refused, a plain connection from it accepted (SFTPGo's <c>proxy_protocol: 1</c>).
    /// </summary>
    Accept,

    /// <summary>
    /// A source in <see cref="SshServerOptions.ProxyAllowed"/> must send a header; any other
    /// source is refused at once (SFTPGo's <c>proxy_protocol: 2</c>).
    /// </summary>
    Require,
}
