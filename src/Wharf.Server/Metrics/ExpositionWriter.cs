using System.Globalization;
using System.Text;

namespace Wharf.Server.Metrics;

/// <summary>The metric types the page uses (histograms and summaries are not needed).</summary>
internal enum MetricType
{
    Counter,
    Gauge,
}

/// <summary>
/// Builds a page in the Prometheus text exposition format, version 0.0.4. A family is opened
/// with its HELP and TYPE lines and every sample written after it belongs to it, so the
/// ordering rules of the format (comments once, before the samples, samples grouped) hold by
/// construction; names are the callers' constants and are checked by the tests, not here.
/// </summary>
internal sealed class ExpositionWriter
{
    private readonly StringBuilder _page = new(8 * 1024);
    private string? _family;

    /// <summary>Starts a family; its samples follow.</summary>
    public void Family(string name, MetricType type, string help)
    {
        _family = name;
        _page.Append("# HELP ").Append(name).Append(' ');
        AppendEscaped(help, escapeQuotes: false);
        _page.Append("\n# TYPE ").Append(name).Append(' ')
            .Append(type == MetricType.Counter ? "counter" : "gauge").Append('\n');
    }

    /// <summary>A sample of the current family.</summary>
    public void Sample(long value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        AppendName(labels);
        _page.Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    /// <summary>A sample of the current family.</summary>
    public void Sample(double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        AppendName(labels);
        _page.Append(FormatDouble(value)).Append('\n');
    }

    /// <summary>Writes a whole single-sample family.</summary>
    public void Single(string name, MetricType type, string help, long value)
    {
        Family(name, type, help);
        Sample(value);
    }

    /// <summary>Writes a whole single-sample family.</summary>
    public void Single(string name, MetricType type, string help, double value)
    {
        Family(name, type, help);
        Sample(value);
    }

    /// <summary>The page so far.</summary>
    public override string ToString() => _page.ToString();

    /// <summary>Go's ParseFloat spelling, which Prometheus reads: shortest round-trip digits, +Inf, -Inf, NaN.</summary>
    internal static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private void AppendName(ReadOnlySpan<(string Name, string Value)> labels)
    {
        _page.Append(_family ?? throw new InvalidOperationException("a sample needs a family first"));
        if (!labels.IsEmpty)
        {
            _page.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    _page.Append(',');
                }

                _page.Append(labels[i].Name).Append("=\"");
                AppendEscaped(labels[i].Value, escapeQuotes: true);
                _page.Append('"');
            }

            _page.Append('}');
        }

        _page.Append(' ');
    }

    // The format knows three escapes: \\ and \n everywhere, \" in label values only (HELP
    // text must leave quotes alone or the reader would show the backslash).
    private void AppendEscaped(string text, bool escapeQuotes)
    {
        foreach (char c in text)
        {
            switch (c)
            {
                case '\\':
                    _page.Append(@"\\");
                    break;
                case '\n':
                    _page.Append(@"\n");
                    break;
                case '"' when escapeQuotes:
                    _page.Append("\\\"");
                    break;
                default:
                    _page.Append(c);
                    break;
            }
        }
    }
}
