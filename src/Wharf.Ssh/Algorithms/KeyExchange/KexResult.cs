using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>The outcome of a completed key exchange.</summary>
/// <param name="SharedSecret">K exactly as it enters the hashes: its SSH wire encoding (uint32 length + mpint bytes).</param>
/// <param name="ExchangeHash">H.</param>
/// <param name="HashAlgorithm">The method's hash, also used for key derivation.</param>
/// <param name="ServerHostKeyBlob">K_S, the server's public host key blob.</param>
public sealed record KexResult(byte[] SharedSecret, byte[] ExchangeHash, HashAlgorithmName HashAlgorithm, byte[] ServerHostKeyBlob);
