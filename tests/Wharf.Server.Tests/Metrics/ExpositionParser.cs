using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Wharf.Server.Tests.Metrics;

/// <summary>One sample line: its metric name, labels and value.</summary>
internal sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>name{a="x",b="y"} with labels sorted, identifying the series.</summary>
    public string SeriesKey => Name + "{" + string.Join(",", Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
}

/// <summary>A metric family: HELP, TYPE and its samples in page order.</summary>
internal sealed class MetricFamily(string name)
{
    public string Name { get; } = name;
    public string? Help { get; set; }
    public string? Type { get; set; }
    public List<MetricSample> Samples { get; } = [];
}

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, stricter than Prometheus
/// itself where the format leaves room: it accepts only the canonical form Wharf writes (single
/// spaces, no blank lines, no free comments) and adds the conventions the project promises —
/// every family has exactly one HELP and one TYPE line before its samples, samples of a family
/// are contiguous, no series appears twice, counters are named *_total and never negative, and
/// the page ends with a newline. Any violation is a <see cref="FormatException"/> naming the line.
/// </summary>
internal static partial class ExpositionParser
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    // Decimal floats as Go's ParseFloat reads them, plus the three special values Prometheus writes.
    [GeneratedRegex(@"^(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|\+Inf|-Inf|NaN)$")]
    private static partial Regex FloatValue();

    [GeneratedRegex("^-?[0-9]+$")]
    private static partial Regex Timestamp();

    /// <summary>Parses a whole page; families in page order, keyed by name.</summary>
    public static IReadOnlyDictionary<string, MetricFamily> Parse(string page)
    {
        if (page.Length == 0)
        {
            throw new FormatException("empty page");
        }

        if (!page.EndsWith('\n'))
        {
            throw new FormatException("the page does not end with a newline");
        }

        if (page.Contains('\r'))
        {
            throw new FormatException("carriage return in the page (lines end with \\n only)");
        }

        var families = new Dictionary<string, MetricFamily>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        MetricFamily? current = null;
        bool currentHasSamples = false;

        string[] lines = page[..^1].Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int number = i + 1;
            FormatException Bad(string why) => new($"line {number}: {why}: \"{line}\"");

            if (line.Length == 0)
            {
                throw Bad("blank line");
            }

            if (line[0] == '#')
            {
                bool help = line.StartsWith("# HELP ", StringComparison.Ordinal);
                if (!help && !line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    throw Bad("stray comment (only # HELP and # TYPE lines are expected)");
                }

                string rest = line[7..];
                int space = rest.IndexOf(' ', StringComparison.Ordinal);
                if (space <= 0)
                {
                    throw Bad("missing metric name or text");
                }

                string name = rest[..space];
                string text = rest[(space + 1)..];
                if (!MetricName().IsMatch(name))
                {
                    throw Bad("invalid metric name");
                }

                if (current?.Name != name)
                {
                    if (current is not null)
                    {
                        closed.Add(current.Name);
                    }

                    if (closed.Contains(name))
                    {
                        throw Bad($"{name} was already described earlier; a family's lines must form one group");
                    }

                    current = families.TryGetValue(name, out var existing) ? existing : families[name] = new MetricFamily(name);
                    currentHasSamples = false;
                }
                else if (currentHasSamples)
                {
                    throw Bad("HELP/TYPE after the family's samples");
                }

                if (help)
                {
                    if (current.Help is not null)
                    {
                        throw Bad("second HELP line");
                    }

                    current.Help = UnescapeHelp(text, Bad);
                    if (current.Help.Length == 0)
                    {
                        throw Bad("empty HELP text");
                    }
                }
                else
                {
                    if (current.Type is not null)
                    {
                        throw Bad("second TYPE line");
                    }

                    if (!Types.Contains(text))
                    {
                        throw Bad("unknown type");
                    }

                    current.Type = text;
                }

                continue;
            }

            var sample = ParseSample(line, Bad);
            if (current is null || current.Type is null || current.Help is null)
            {
                throw Bad("sample before its family's HELP and TYPE lines");
            }

            if (!BelongsTo(sample.Name, current))
            {
                throw Bad($"sample does not belong to the family being written ({current.Name}, {current.Type})");
            }

            if (!series.Add(sample.SeriesKey))
            {
                throw Bad("duplicate series");
            }

            if (current.Type == "counter" && (double.IsNaN(sample.Value) || sample.Value < 0))
            {
                throw Bad("a counter must be a non-negative number");
            }

            current.Samples.Add(sample);
            currentHasSamples = true;
        }

        foreach (var family in families.Values)
        {
            if (family.Help is null || family.Type is null)
            {
                throw new FormatException($"{family.Name}: HELP and TYPE are both required");
            }

            if (family.Type == "counter" && !family.Name.EndsWith("_total", StringComparison.Ordinal))
            {
                throw new FormatException($"{family.Name}: a counter's name must end in _total");
            }
        }

        return families;
    }

    private static bool BelongsTo(string sampleName, MetricFamily family) => family.Type switch
    {
        "histogram" => sampleName == family.Name + "_bucket" || sampleName == family.Name + "_sum" || sampleName == family.Name + "_count",
        "summary" => sampleName == family.Name || sampleName == family.Name + "_sum" || sampleName == family.Name + "_count",
        _ => sampleName == family.Name,
    };

    private static MetricSample ParseSample(string line, Func<string, FormatException> bad)
    {
        int pos = 0;
        while (pos < line.Length && line[pos] != '{' && line[pos] != ' ')
        {
            pos++;
        }

        string name = line[..pos];
        if (!MetricName().IsMatch(name))
        {
            throw bad("invalid metric name");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (pos < line.Length && line[pos] == '{')
        {
            pos++;
            if (pos < line.Length && line[pos] == '}')
            {
                throw bad("empty label braces");
            }

            while (true)
            {
                int start = pos;
                while (pos < line.Length && line[pos] != '=')
                {
                    pos++;
                }

                string label = line[start..pos];
                if (!LabelName().IsMatch(label))
                {
                    throw bad($"invalid label name '{label}'");
                }

                if (label.StartsWith("__", StringComparison.Ordinal))
                {
                    throw bad($"label name '{label}' is reserved");
                }

                if (pos + 1 >= line.Length || line[pos + 1] != '"')
                {
                    throw bad("label value must be quoted");
                }

                pos += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (pos >= line.Length)
                    {
                        throw bad("unterminated label value");
                    }

                    char c = line[pos++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        if (pos >= line.Length)
                        {
                            throw bad("dangling backslash in label value");
                        }

                        value.Append(line[pos++] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var e => throw bad($"invalid escape \\{e} in label value"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw bad($"label '{label}' given twice");
                }

                if (pos < line.Length && line[pos] == ',')
                {
                    pos++;
                    continue;
                }

                if (pos < line.Length && line[pos] == '}')
                {
                    pos++;
                    break;
                }

                throw bad("expected ',' or '}' after a label value");
            }
        }

        if (pos >= line.Length || line[pos] != ' ')
        {
            throw bad("expected one space before the value");
        }

        string[] tail = line[(pos + 1)..].Split(' ');
        if (tail.Length > 2 || tail.Any(t => t.Length == 0))
        {
            throw bad("expected 'value' or 'value timestamp' after the name, separated by single spaces");
        }

        if (!FloatValue().IsMatch(tail[0]))
        {
            throw bad($"invalid value '{tail[0]}'");
        }

        if (tail.Length == 2 && !Timestamp().IsMatch(tail[1]))
        {
            throw bad($"invalid timestamp '{tail[1]}'");
        }

        double number = tail[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new MetricSample(name, labels, number);
    }

    private static string UnescapeHelp(string text, Func<string, FormatException> bad)
    {
        var help = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                help.Append(text[i]);
                continue;
            }

            if (++i >= text.Length)
            {
                throw bad("dangling backslash in HELP");
            }

            help.Append(text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                var e => throw bad($"invalid escape \\{e} in HELP"),
            });
        }

        return help.ToString();
    }
}
