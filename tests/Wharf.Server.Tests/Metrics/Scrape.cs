using Wharf.Server.Metrics;

namespace Wharf.Server.Tests.Metrics;

/// <summary>One rendered and strictly parsed page, with look-ups by series.</summary>
internal sealed class Scrape
{
    private Scrape(string text, IReadOnlyDictionary<string, MetricFamily> families)
    {
        Text = text;
        Families = families;
    }

    public string Text { get; }

    public IReadOnlyDictionary<string, MetricFamily> Families { get; }

    public static async Task<Scrape> TakeAsync(WharfMetrics metrics, CancellationToken ct)
    {
        string text = await metrics.RenderAsync(ct);
        return new Scrape(text, ExpositionParser.Parse(text));
    }

    /// <summary>The value of the one series with exactly these labels; fails when it is absent.</summary>
    public double Value(string name, params (string Name, string Value)[] labels) =>
        Find(name, labels) ?? throw new Xunit.Sdk.XunitException($"no series {name}{{{string.Join(",", labels)}}} in:\n{Text}");

    public double? Find(string name, params (string Name, string Value)[] labels)
    {
        if (!Families.TryGetValue(name, out var family))
        {
            return null;
        }

        var match = family.Samples.SingleOrDefault(s =>
            s.Labels.Count == labels.Length && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value));
        return match?.Value;
    }
}
