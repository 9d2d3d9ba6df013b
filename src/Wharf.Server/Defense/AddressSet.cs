using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wharf.Server.Defense;

/// <summary>
/// Addresses and CIDR networks (a safe list or a block list). <see cref="Contains"/> masks the
/// address once per prefix length present and looks it up in a hash set: no allocation, cost
/// bounded by the number of distinct prefix lengths, not the number of entries.
/// </summary>
public sealed class AddressSet
{
    private readonly Dictionary<int, HashSet<UInt128>> _v4 = [];
    private readonly Dictionary<int, HashSet<UInt128>> _v6 = [];
    private int[] _v4Prefixes = [];
    private int[] _v6Prefixes = [];

    /// <summary>An empty set.</summary>
    public static AddressSet Empty { get; } = new();

    /// <summary>How many entries were added.</summary>
    public int Count { get; private set; }

    /// <summary>Adds an address or a CIDR network (IPv4-mapped IPv6 as IPv4); false when <paramref name="entry"/> is neither.</summary>
    public bool TryAdd(string entry)
    {
        entry = (entry ?? "").Trim();
        int slash = entry.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? entry : entry[..slash], out var address))
        {
            return false;
        }

        bool mapped = address.IsIPv4MappedToIPv6;
        var bits = Source.ToBits(address, out bool v4);
        int width = v4 ? 32 : 128;
        int prefix = width;
        if (slash >= 0)
        {
            if (!int.TryParse(entry[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix))
            {
                return false;
            }

            if (mapped)
            {
                prefix -= 96;
            }

            if (prefix < 0 || prefix > width)
            {
                return false;
            }
        }

        var byPrefix = v4 ? _v4 : _v6;
        if (!byPrefix.TryGetValue(prefix, out var set))
        {
            byPrefix[prefix] = set = [];
            if (v4)
            {
                _v4Prefixes = [.. _v4.Keys.Order()];
            }
            else
            {
                _v6Prefixes = [.. _v6.Keys.Order()];
            }
        }

        set.Add(Source.Mask(bits, v4, prefix));
        Count++;
        return true;
    }

    /// <summary>Whether <paramref name="address"/> is one of the addresses or inside one of the networks.</summary>
    public bool Contains(IPAddress address)
    {
        if (Count == 0)
        {
            return false;
        }

        var bits = Source.ToBits(address, out bool v4);
        var prefixes = v4 ? _v4Prefixes : _v6Prefixes;
        var byPrefix = v4 ? _v4 : _v6;
        foreach (int prefix in prefixes)
        {
            if (byPrefix[prefix].Contains(Source.Mask(bits, v4, prefix)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>SFTPGo's host list file: <c>{"addresses": ["192.0.2.1"], "networks": ["198.51.100.0/24"]}</c>.</summary>
    private sealed class HostListFile
    {
        [JsonPropertyName("addresses")] public List<string>? Addresses { get; set; }
        [JsonPropertyName("networks")] public List<string>? Networks { get; set; }
    }

    /// <summary>The most a list file may hold (SFTPGo's limit).</summary>
    public const long MaxFileSize = 5 * 1024 * 1024;

    /// <summary>
    /// A set from a host list file (may be empty: none) and inline entries. Throws
    /// <see cref="FormatException"/> with a one-line reason for an unreadable file, bad JSON or a
    /// bad entry (Wharf refuses what SFTPGo would skip with a warning).
    /// </summary>
    public static AddressSet Load(string? path, IEnumerable<string>? entries)
    {
        var set = new AddressSet();
        if (!string.IsNullOrEmpty(path))
        {
            HostListFile? file;
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists)
                {
                    throw new FormatException($"'{path}' does not exist");
                }

                if (info.Length > MaxFileSize)
                {
                    throw new FormatException($"'{path}' is too big ({info.Length} bytes, at most {MaxFileSize})");
                }

                file = JsonSerializer.Deserialize<HostListFile>(File.ReadAllBytes(path), new JsonSerializerOptions
                {
                    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
                    ReadCommentHandling = JsonCommentHandling.Skip,
                    AllowTrailingCommas = true,
                });
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new FormatException($"'{path}' cannot be read: {ex.Message}", ex);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"'{path}' is not a host list ({{\"addresses\": [...], \"networks\": [...]}}): {ex.Message}", ex);
            }

            foreach (var a in file?.Addresses ?? [])
            {
                if (a.Contains('/', StringComparison.Ordinal) || !set.TryAdd(a))
                {
                    throw new FormatException($"'{path}': addresses: '{a}' is not an IP address");
                }
            }

            foreach (var n in file?.Networks ?? [])
            {
                if (!n.Contains('/', StringComparison.Ordinal) || !set.TryAdd(n))
                {
                    throw new FormatException($"'{path}': networks: '{n}' is not a CIDR network (e.g. 192.0.2.0/24)");
                }
            }
        }

        foreach (var e in entries ?? [])
        {
            if (!set.TryAdd(e))
            {
                throw new FormatException($"'{e}' is not an IP address or CIDR network");
            }
        }

        return set;
    }
}
