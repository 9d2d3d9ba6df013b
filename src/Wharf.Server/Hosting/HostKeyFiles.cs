using Wharf.Server.Configuration;
using Wharf.Ssh.Keys;

namespace Wharf.Server.Hosting;

/// <summary>Host keys named by path, as sftpd.host_keys (serve) and --host-key (portable) name them.</summary>
internal static class HostKeyFiles
{
    /// <summary>
    /// The host key algorithms serve and portable may offer, in order of preference. The SSH layer
    /// offers each only when a host key of its type is loaded, so ECDSA appears only where an
    /// ECDSA key was configured.
    /// </summary>
    public static readonly string[] Algorithms = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256"];

    /// <summary>
    /// Loads each key in order, paths absolute or relative to <paramref name="baseDirectory"/>. A
    /// missing file is generated first when the path as given is absolute and named
    /// <c>id_rsa</c>, <c>id_ecdsa</c> or <c>id_ed25519</c> (SFTPGo's rule,
    /// <see cref="SftpdConfig.GeneratedHostKeyType"/>); any other missing file is an error.
    /// </summary>
    /// <summary>The key files SFTPGo used from its config dir when no keys were configured.</summary>
    public static readonly string[] SftpgoDefaultNames = ["id_rsa", "id_ecdsa", "id_ed25519"];

    /// <summary>
    /// SFTPGo's host keys in <paramref name="configDirectory"/> (<c>id_rsa</c>, <c>id_ecdsa</c>,
    /// <c>id_ed25519</c>, those that exist), so clients that know an SFTPGo server's key see the
    /// same key from Wharf; empty when there are none (Wharf then uses or generates its own).
    /// </summary>
    public static List<SshPrivateKey> LoadSftpgoDefaults(string configDirectory, Action<string>? log = null)
    {
        var keys = new List<SshPrivateKey>();
        foreach (var name in SftpgoDefaultNames)
        {
            var path = Path.Combine(configDirectory, name);
            if (File.Exists(path))
            {
                log?.Invoke($"host key {path} (SFTPGo's default name) is used");
                keys.Add(SshPrivateKey.Load(path));
            }
        }

        return keys;
    }

    public static List<SshPrivateKey> Load(IEnumerable<string> paths, string baseDirectory, Action<string>? log = null)
    {
        var keys = new List<SshPrivateKey>();
        foreach (var entry in paths.Select(p => p.Trim()))
        {
            var path = Path.GetFullPath(entry, baseDirectory);
            if (!File.Exists(path) && SftpdConfig.GeneratedHostKeyType(entry) is { } type)
            {
                log?.Invoke($"host key {path} does not exist: generating a {type} key");
                keys.Add(HostKeyStore.LoadOrCreateFile(path, type));
            }
            else
            {
                keys.Add(SshPrivateKey.Load(path));
            }
        }

        return keys;
    }
}
