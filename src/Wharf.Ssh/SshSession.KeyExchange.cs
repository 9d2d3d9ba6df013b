using System.Security.Cryptography;
using Wharf.Ssh.Algorithms;
using Wharf.Ssh.Algorithms.Compression;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Transport;

namespace Wharf.Ssh;

public sealed partial class SshSession
{
    /// <summary>Marker in the first server KEXINIT announcing strict key exchange (Terrapin fix).</summary>
    internal const string StrictKexServer = "kex-strict-s-v00@openssh.com";

    /// <summary>The client's matching marker.</summary>
    internal const string StrictKexClient = "kex-strict-c-v00@openssh.com";

    private byte[] _clientVersion = [];
    private byte[] _serverVersion = [];
    private byte[]? _sessionId;
    private volatile bool _kexInProgress;
    private TaskCompletionSource? _kexDone;
    private KexInitMessage? _ourKexInit;
    private byte[]? _ourKexInitPayload;
    private bool _peerKexInitReceived;
    private KeyExchangeParty? _kexParty;
    private NegotiatedAlgorithms? _pendingAlgorithms;
    private bool _newKeysSent;
    private bool _ignoreNextKexPacket;
    private bool _strictKex;
    private bool _clientWantsExtInfo;
    private long _lastKexTicks = Environment.TickCount64;
    private PacketDecryptor? _nextDecryptor;
    private int _kexCount;

    /// <summary>Session identifier: the exchange hash of the first key exchange.</summary>
    internal ReadOnlySpan<byte> SessionIdentifier => _sessionId;

    /// <summary>Number of completed key exchanges (the first one included).</summary>
    public int KeyExchangeCount => Volatile.Read(ref _kexCount);

    /// <summary>
    /// Key exchanges after the first that this server started itself, because
    /// <see cref="SshServerOptions.RekeyBytes"/> or <see cref="SshServerOptions.RekeyInterval"/>
    /// was reached or the host called <see cref="StartKeyExchangeAsync"/>: its KEXINIT went out
    /// before the client's arrived. The others (<see cref="KeyExchangeCount"/> minus one, minus
    /// these) were started by the client.
    /// </summary>
    public int ServerInitiatedRekeys => Volatile.Read(ref _serverInitiatedRekeys);

    private int _serverInitiatedRekeys;

    /// <summary>True when the client negotiated strict key exchange.</summary>
    public bool IsStrictKex => _strictKex;

    /// <summary>Starts a key exchange unless one is running (used at start, for rekeying, and by the host).</summary>
    public async Task StartKeyExchangeAsync(CancellationToken ct = default)
    {
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_kexInProgress)
            {
                await SendKexInitLockedAsync(ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private bool NeedsRekey()
    {
        if (_sessionId is null)
        {
            return false;
        }

        long limit = Options.RekeyBytes;
        return _reader.BytesSinceKex > limit || _writer.BytesSinceKex > limit ||
            _reader.PacketsSinceKex > (1L << 31) || _writer.PacketsSinceKex > (1L << 31) ||
            (Options.RekeyInterval > TimeSpan.Zero && Environment.TickCount64 - _lastKexTicks > Options.RekeyInterval.TotalMilliseconds);
    }

    private async ValueTask SendKexInitLockedAsync(CancellationToken ct)
    {
        bool first = _sessionId is null;
        var kex = Options.KeyExchangeAlgorithms.ToList();
        if (first)
        {
            kex.Add(StrictKexServer);
        }

        var msg = new KexInitMessage
        {
            KexAlgorithms = [.. kex],
            ServerHostKeyAlgorithms = [.. Options.HostKeyAlgorithms.Where(a => _server.FindHostKey(a) is not null)],
            CiphersClientToServer = [.. Options.Ciphers],
            CiphersServerToClient = [.. Options.Ciphers],
            MacsClientToServer = [.. Options.Macs],
            MacsServerToClient = [.. Options.Macs],
            CompressionClientToServer = [.. Options.Compressions],
            CompressionServerToClient = [.. Options.Compressions],
        };
        if (!first)
        {
            if (Volatile.Read(ref _peerKexInitReceived))
            {
                Log(SshLogLevel.Debug, "rekey started by the client");
            }
            else
            {
                Interlocked.Increment(ref _serverInitiatedRekeys);
                Log(SshLogLevel.Debug, $"rekey started by the server after {_reader.BytesSinceKex} bytes in, {_writer.BytesSinceKex} bytes out");
            }
        }

        _ourKexInit = msg;
        _ourKexInitPayload = msg.ToPayload();
        _kexInProgress = true;
        _kexDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _writer.Begin().WriteRaw(_ourKexInitPayload);
        await SendPacketLockedAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// True until the peer's first NEWKEYS has been received: the initial exchange, when nothing
    /// the peer sends is protected yet and strict key exchange refuses anything out of place.
    /// (Not "no session identifier yet": that exists from our own first NEWKEYS on.)
    /// </summary>
    private bool InInitialKeyExchange => _kexCount == 0;

    private void CheckAllowedDuringKex(byte number)
    {
        if (KexMessagePolicy.Refusal(number, InInitialKeyExchange, _peerKexInitReceived, _strictKex) is { } refusal)
        {
            throw new SshConnectionException(refusal);
        }
    }

    private async Task OnKexInitAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        if (_peerKexInitReceived)
        {
            throw new SshConnectionException("KEXINIT received twice in one key exchange");
        }

        var client = KexInitMessage.Read(payload.Span);
        _peerKexInitReceived = true;
        byte[] clientKexInit = payload.ToArray();
        if (_sessionId is null)
        {
            Advance(SshSessionStage.KeyExchange);
            _strictKex = client.KexAlgorithms.Contains(StrictKexClient);
            _clientWantsExtInfo = client.KexAlgorithms.Contains("ext-info-c");
            if (_strictKex && _reader.SequenceNumber != 1)
            {
                throw new SshConnectionException("strict key exchange: KEXINIT was not the first packet");
            }
        }

        if (!_kexInProgress)
        {
            await StartKeyExchangeAsync(ct).ConfigureAwait(false);
        }

        var ours = _ourKexInit!;
        var algs = NegotiatedAlgorithms.Negotiate(client, ours, IsAead, hk => _server.FindHostKey(hk) is not null);
        _pendingAlgorithms = algs;
        if (!KeyExchangeCatalog.TryGet(algs.KeyExchange, out var method))
        {
            throw new SshConnectionException($"unsupported key exchange {algs.KeyExchange}", SshDisconnectReason.KeyExchangeFailed);
        }

        // RFC 4253 §7.1: a guessed first packet is ignored when the guess was wrong.
        if (client.FirstKexPacketFollows)
        {
            bool right = client.KexAlgorithms.Length > 0 && ours.KexAlgorithms.Length > 0 &&
                client.KexAlgorithms[0] == ours.KexAlgorithms[0] &&
                client.ServerHostKeyAlgorithms.Length > 0 && ours.ServerHostKeyAlgorithms.Length > 0 &&
                client.ServerHostKeyAlgorithms[0] == ours.ServerHostKeyAlgorithms[0];
            _ignoreNextKexPacket = !right;
        }

        _kexParty = method.CreateServer(new KexContext
        {
            ClientVersion = _clientVersion,
            ServerVersion = _serverVersion,
            ClientKexInit = clientKexInit,
            ServerKexInit = _ourKexInitPayload!,
            HostKey = _server.FindHostKey(algs.HostKey),
            HostKeyAlgorithm = algs.HostKey,
        });
        Log(SshLogLevel.Debug, $"kex: {algs}");
    }

    private static bool IsAead(string cipher) => CipherCatalog.TryGet(cipher, out var info) && info.IsAead;

    private async Task OnKexMethodMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        if (_kexParty is null || _newKeysSent)
        {
            throw new SshConnectionException($"unexpected key exchange message {payload.Span[0]}");
        }

        if (_ignoreNextKexPacket)
        {
            _ignoreNextKexPacket = false;
            return;
        }

        var replies = _kexParty.Handle(payload.Span);
        foreach (var reply in replies)
        {
            await SendAsync(reply, static (w, r) => w.WriteRaw(r), isKex: true, ct: ct).ConfigureAwait(false);
        }

        if (_kexParty.Result is { } result)
        {
            await CompleteOurSideAsync(result, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Derives the new keys, sends NEWKEYS and switches outgoing protection right after it.</summary>
    private async Task CompleteOurSideAsync(KexResult result, CancellationToken ct)
    {
        var algs = _pendingAlgorithms!;
        if (_sessionId is null)
        {
            Volatile.Write(ref _keysComputedTicks, Environment.TickCount64);
        }

        var sessionId = _sessionId ?? result.ExchangeHash;
        byte[] Derive(char letter, int length) =>
            KeyDerivation.Derive(result.HashAlgorithm, result.SharedSecret, result.ExchangeHash, letter, sessionId, length);

        CipherCatalog.TryGet(algs.CipherClientToServer, out var cipherCs);
        CipherCatalog.TryGet(algs.CipherServerToClient, out var cipherSc);
        MacInfo? macCs = null, macSc = null;
        if (algs.MacClientToServer is { } mcs && !MacCatalog.TryGet(mcs, out macCs))
        {
            throw new SshConnectionException($"unsupported MAC {mcs}", SshDisconnectReason.KeyExchangeFailed);
        }

        if (algs.MacServerToClient is { } msc && !MacCatalog.TryGet(msc, out macSc))
        {
            throw new SshConnectionException($"unsupported MAC {msc}", SshDisconnectReason.KeyExchangeFailed);
        }

        if (cipherCs is null || cipherSc is null)
        {
            throw new SshConnectionException("unsupported cipher", SshDisconnectReason.KeyExchangeFailed);
        }

        byte[] ivCs = Derive('A', cipherCs.IvSize), ivSc = Derive('B', cipherSc.IvSize);
        byte[] keyCs = Derive('C', cipherCs.KeySize), keySc = Derive('D', cipherSc.KeySize);
        byte[] macKeyCs = Derive('E', macCs?.KeySize ?? 0), macKeySc = Derive('F', macSc?.KeySize ?? 0);
        var encryptor = PacketProtection.CreateEncryptor(cipherSc, keySc, ivSc, macSc, macKeySc);
        _nextDecryptor = PacketProtection.CreateDecryptor(cipherCs, keyCs, ivCs, macCs, macKeyCs);
        foreach (var secret in new[] { ivCs, ivSc, keyCs, keySc, macKeyCs, macKeySc })
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        bool first = _sessionId is null;
        _sessionId ??= result.ExchangeHash;
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _writer.Begin().WriteByte(SshMessageNumber.NewKeys);
            await SendPacketLockedAsync(ct).ConfigureAwait(false);
            _newKeysSent = true;
            var old = _writer.Encryptor;
            _writer.Encryptor = encryptor;
            old.Dispose();
            _writer.Compressor?.Dispose();
            _writer.Compressor = CompressionActive(algs.CompressionServerToClient) ? CompressionCatalog.CreateCompressor(algs.CompressionServerToClient) : null;
            if (_strictKex)
            {
                _writer.SequenceNumber = 0;
            }

            _writer.BytesSinceKex = 0;
            _writer.PacketsSinceKex = 0;
            if (first && _clientWantsExtInfo)
            {
                // RFC 8308 §2.4: the server's EXT_INFO must be the next packet after its first NEWKEYS.
                var w = _writer.Begin();
                w.WriteByte(SshMessageNumber.ExtInfo);
                w.WriteUInt32(1);
                w.WriteString("server-sig-algs");
                w.WriteNameList(Options.PublicKeyAlgorithms);
                await SendPacketLockedAsync(ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Set right after USERAUTH_SUCCESS has been written, which is when delayed compression
    /// starts in both directions. Not <see cref="IsAuthenticated"/>: when a key exchange is in
    /// progress the success is held back until it ends, and the NEWKEYS in between must not
    /// start compression, or the success itself would go out compressed before the client
    /// could expect it.
    /// </summary>
    private bool _userAuthSuccessSent;

    /// <summary>
    /// Whether a NEWKEYS starts compression <paramref name="name"/>: zlib at once, zlib@openssh.com
    /// only once USERAUTH_SUCCESS has been sent (draft-miller-secsh-compression-delayed §3).
    /// </summary>
    private bool CompressionActive(string name) =>
        name != CompressionCatalog.None && (!CompressionCatalog.IsDelayed(name) || _userAuthSuccessSent);

    private async Task OnNewKeysAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        if (!_newKeysSent || _nextDecryptor is null || payload.Length != 1)
        {
            throw new SshConnectionException("unexpected NEWKEYS");
        }

        if (_strictKex && _kexCount == 0 && (_reader.SequenceWrapped || _writer.SequenceWrapped))
        {
            throw new SshConnectionException("strict key exchange: sequence number wrapped during initial key exchange");
        }

        var algs = _pendingAlgorithms!;
        var old = _reader.Decryptor;
        _reader.Decryptor = _nextDecryptor;
        _nextDecryptor = null;
        old.Dispose();
        _reader.Decompressor?.Dispose();
        _reader.Decompressor = CompressionActive(algs.CompressionClientToServer) ? CompressionCatalog.CreateDecompressor(algs.CompressionClientToServer) : null;
        if (_strictKex)
        {
            _reader.SequenceNumber = 0;
        }

        _reader.BytesSinceKex = 0;
        _reader.PacketsSinceKex = 0;
        _reader.SequenceWrapped = false;
        _writer.SequenceWrapped = false;
        Algorithms = algs;
        _kexParty?.Dispose();
        _kexParty = null;
        _peerKexInitReceived = false;
        _newKeysSent = false;
        _lastKexTicks = Environment.TickCount64;
        Interlocked.Increment(ref _kexCount);
        Advance(SshSessionStage.AwaitingAuthentication);

        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _kexInProgress = false;
            while (_heldBack.TryTake(out var message))
            {
                _writer.Begin().WriteRaw(message);
                await SendPacketLockedAsync(ct).ConfigureAwait(false);
                if (message is [SshMessageNumber.UserAuthSuccess])
                {
                    OnUserAuthSuccessSentLocked();
                }
            }
        }
        finally
        {
            _sendLock.Release();
        }

        _kexDone?.TrySetResult();
        Log(SshLogLevel.Debug, $"key exchange {_kexCount} complete");
    }

    /// <summary>
    /// Turns on delayed (zlib@openssh.com) compression: for what we send from the next packet on
    /// (the server compresses everything after USERAUTH_SUCCESS), and for what we read from the
    /// next packet on (the client compresses everything after receiving it). Called from the
    /// receive loop with the send lock held, right after sending USERAUTH_SUCCESS.
    /// </summary>
    private void OnUserAuthSuccessSentLocked()
    {
        _userAuthSuccessSent = true;
        if (Algorithms is not { } algs)
        {
            return;
        }

        if (_writer.Compressor is null && CompressionCatalog.IsDelayed(algs.CompressionServerToClient))
        {
            _writer.Compressor = CompressionCatalog.CreateCompressor(algs.CompressionServerToClient);
        }

        if (_reader.Decompressor is null && CompressionCatalog.IsDelayed(algs.CompressionClientToServer))
        {
            _reader.Decompressor = CompressionCatalog.CreateDecompressor(algs.CompressionClientToServer);
        }
    }
}
