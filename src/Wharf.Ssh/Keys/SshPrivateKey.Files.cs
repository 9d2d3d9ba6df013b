using Wharf.Ssh.IO;

namespace Wharf.Ssh.Keys;

public abstract partial class SshPrivateKey
{
    /// <summary>
    /// Generates a key: <c>ssh-ed25519</c>, <c>ssh-rsa</c> (<paramref name="bits"/> defaults to
    /// 3072) or <c>ecdsa-sha2-nistp256/384/521</c> (<paramref name="bits"/> may be 0 or the curve size).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown key type or a size that does not fit it.</exception>
    public static SshPrivateKey Generate(string keyType, int bits = 0)
    {
        ArgumentNullException.ThrowIfNull(keyType);
        if (keyType == Ed25519PublicKey.Name)
        {
            if (bits != 0 && bits != 256)
            {
                throw new ArgumentOutOfRangeException(nameof(bits), bits, "Ed25519 keys are always 256 bits");
            }

            return Ed25519PrivateKey.Generate();
        }

        if (keyType == RsaPublicKey.Name)
        {
            return RsaPrivateKey.Generate(bits == 0 ? RsaPrivateKey.DefaultBits : bits);
        }

        if (EcdsaCurveInfo.FromKeyType(keyType) is { } curve)
        {
            if (bits != 0 && bits != curve.Bits)
            {
                throw new ArgumentOutOfRangeException(nameof(bits), bits, $"{keyType} keys are {curve.Bits} bits");
            }

            return EcdsaPrivateKey.Generate(keyType);
        }

        throw new ArgumentException($"unsupported key type '{keyType}'", nameof(keyType));
    }

    /// <summary>
    /// Reads a private key file: OpenSSH's own format (<c>openssh-key-v1</c>, plain or encrypted
    /// with bcrypt-pbkdf and AES-CTR/CBC), or PEM — PKCS#1 <c>RSA PRIVATE KEY</c>, SEC1
    /// <c>EC PRIVATE KEY</c>, PKCS#8 <c>PRIVATE KEY</c> (RSA, EC, Ed25519) and
    /// <c>ENCRYPTED PRIVATE KEY</c> (RSA, EC).
    /// </summary>
    /// <exception cref="FormatException">The text is not a supported key, is corrupt, is encrypted and no passphrase was given, or the passphrase is wrong.</exception>
    public static SshPrivateKey Parse(string fileText, string? passphrase = null)
    {
        ArgumentNullException.ThrowIfNull(fileText);
        if (fileText.Contains(OpenSshKeyFile.BeginLine, StringComparison.Ordinal))
        {
            return OpenSshKeyFile.Parse(fileText, passphrase, out _);
        }

        return PemKeyReader.Parse(fileText, passphrase);
    }

    /// <summary>Reads the key file at <paramref name="path"/>; see <see cref="Parse"/>.</summary>
    public static SshPrivateKey Load(string path, string? passphrase = null) =>
        Parse(File.ReadAllText(path), passphrase);

    /// <summary>The key in OpenSSH's <c>openssh-key-v1</c> format, unencrypted.</summary>
    public string ToOpenSshPrivateKeyString(string comment = "") => OpenSshKeyFile.Write(this, comment);

    /// <summary>
    /// Writes <see cref="ToOpenSshPrivateKeyString"/> to <paramref name="path"/>. The file is
    /// created with mode 0600 from the first byte (never world-readable, even briefly) and moved
    /// into place, so a reader sees either the old file or the whole new one.
    /// </summary>
    public void Save(string path, string comment = "") =>
        WriteFileAtomically(path, ToOpenSshPrivateKeyString(comment), privateFile: true);

    /// <summary>Writes the public key's one-line OpenSSH form (a <c>.pub</c> file).</summary>
    public void SavePublic(string path, string comment = "") =>
        WriteFileAtomically(path, PublicKey.ToOpenSshString(comment) + "\n", privateFile: false);

    /// <summary>
    /// Writes the key type's private fields as in openssh-key-v1 / the agent protocol (after the
    /// key type string). Virtual rather than abstract so other subclasses (test doubles, keys held
    /// elsewhere) are not forced to expose private material; they just cannot be saved.
    /// </summary>
    private protected virtual void WritePrivateFields(SshWriter w) =>
        throw new NotSupportedException($"{GetType().Name} cannot be written to a key file");

    internal void WritePrivateKey(SshWriter w)
    {
        w.WriteString(PublicKey.KeyType);
        WritePrivateFields(w);
    }

    private static void WriteFileAtomically(string path, string content, bool privateFile)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        string temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = privateFile
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                // The umask can only remove bits, but set the mode explicitly anyway so the result
                // does not depend on it.
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(stream.SafeFileHandle, options.UnixCreateMode!.Value);
                }

                var bytes = System.Text.Encoding.UTF8.GetBytes(content);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
