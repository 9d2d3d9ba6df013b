namespace Wharf.Ssh.Algorithms;

/// <summary>
/// Describes a cipher by its wire name: the key and IV sizes the key derivation must produce
/// (RFC 4253 §7.2) and whether it is an AEAD cipher (which ignores the negotiated MAC).
/// </summary>
/// <param name="Name">Wire name, e.g. <c>aes128-gcm@openssh.com</c>.</param>
/// <param name="KeySize">Bytes of key material.</param>
/// <param name="IvSize">Bytes of IV material (0 for chacha20-poly1305).</param>
/// <param name="BlockSize">Cipher block size used for padding alignment.</param>
/// <param name="IsAead">True when the cipher authenticates by itself.</param>
public sealed record CipherInfo(string Name, int KeySize, int IvSize, int BlockSize, bool IsAead);

/// <summary>Describes a MAC by its wire name.</summary>
/// <param name="Name">Wire name, e.g. <c>hmac-sha2-256-etm@openssh.com</c>.</param>
/// <param name="KeySize">Bytes of key material.</param>
/// <param name="DigestSize">Bytes of tag on the wire.</param>
/// <param name="EncryptThenMac">True for the <c>-etm@openssh.com</c> variants.</param>
public sealed record MacInfo(string Name, int KeySize, int DigestSize, bool EncryptThenMac);
