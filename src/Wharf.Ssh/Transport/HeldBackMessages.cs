namespace Wharf.Ssh.Transport;

/// <summary>
/// Messages the receive loop produced while a key exchange was in progress, which may only be sent
/// after it (RFC 4253 §7.1): replies to the requests a client sends during a rekey, for example.
/// Bounded in count and in bytes, because a client may keep an exchange open while it sends
/// requests: past either bound the connection ends instead of the queue growing.
/// </summary>
internal sealed class HeldBackMessages
{
    /// <summary>Most messages held at once.</summary>
    public const int MaxMessages = 4096;

    /// <summary>Most payload bytes held at once.</summary>
    public const int MaxBytes = 1 << 20;

    private readonly Queue<byte[]> _queue = new();
    private long _bytes;

    /// <summary>Holds <paramref name="payload"/> back.</summary>
    /// <exception cref="SshConnectionException">Holding it would exceed a bound.</exception>
    public void Add(byte[] payload)
    {
        if (_queue.Count >= MaxMessages || _bytes + payload.Length > MaxBytes)
        {
            throw new SshConnectionException($"too many messages held back during key exchange ({_queue.Count} messages, {_bytes} bytes)");
        }

        _queue.Enqueue(payload);
        _bytes += payload.Length;
    }

    /// <summary>Takes the oldest message, if any.</summary>
    public bool TryTake(out byte[] payload)
    {
        if (!_queue.TryDequeue(out payload!))
        {
            return false;
        }

        _bytes -= payload.Length;
        return true;
    }
}
