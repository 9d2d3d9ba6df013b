using Wharf.Server.Metrics;

namespace Wharf.Server.Tests.Metrics;

/// <summary>Escaping and number spelling: what is written is read back unchanged, by our parser and by promtool.</summary>
public sealed class ExpositionWriterTests
{
    private const string Awkward = "back\\slash \"quoted\"\nnew line, comma=, brace} é ✓";

    [Fact]
    public async Task Label_values_and_help_text_round_trip_through_the_escapes()
    {
        var page = new ExpositionWriter();
        page.Family("t_info", MetricType.Gauge, Awkward);
        page.Sample(1, ("v", Awkward), ("empty", ""));
        page.Family("t_values", MetricType.Gauge, "Special values.");
        page.Sample(double.PositiveInfinity, ("k", "pinf"));
        page.Sample(double.NegativeInfinity, ("k", "ninf"));
        page.Sample(double.NaN, ("k", "nan"));
        page.Sample(1e300, ("k", "big"));
        page.Sample(-0.000123, ("k", "small"));
        page.Sample(long.MaxValue, ("k", "long"));
        page.Sample(0.1 + 0.2, ("k", "roundtrip"));
        string text = page.ToString();

        var families = ExpositionParser.Parse(text);
        Assert.Equal(Awkward, families["t_info"].Help);
        var info = Assert.Single(families["t_info"].Samples);
        Assert.Equal(Awkward, info.Labels["v"]);
        Assert.Equal("", info.Labels["empty"]);
        var values = families["t_values"].Samples.ToDictionary(s => s.Labels["k"], s => s.Value);
        Assert.Equal(double.PositiveInfinity, values["pinf"]);
        Assert.Equal(double.NegativeInfinity, values["ninf"]);
        Assert.True(double.IsNaN(values["nan"]));
        Assert.Equal(1e300, values["big"]);
        Assert.Equal(-0.000123, values["small"]);
        Assert.Equal(long.MaxValue, values["long"]);
        Assert.Equal(0.1 + 0.2, values["roundtrip"]);
        Assert.Contains("t_values{k=\"long\"} 9223372036854775807\n", text, StringComparison.Ordinal);

        await Promtool.AssertAcceptsAsync(text, TestContext.Current.CancellationToken);
    }

    [Fact]
    public void A_sample_without_a_family_is_a_programming_error()
    {
        Assert.Throws<InvalidOperationException>(() => new ExpositionWriter().Sample(1));
    }
}
