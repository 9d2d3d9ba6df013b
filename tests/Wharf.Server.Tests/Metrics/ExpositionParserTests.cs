namespace Wharf.Server.Tests.Metrics;

/// <summary>The strict parser must itself reject what it claims to reject, or the page tests prove nothing.</summary>
public sealed class ExpositionParserTests
{
    private const string Good =
        "# HELP a_total Things, with \\\\ and \\n escapes.\n" +
        "# TYPE a_total counter\n" +
        "a_total{k=\"x\\\"y\\\\z\\n\",l=\"\"} 3\n" +
        "a_total{k=\"other\"} 1.5e3 1700000000000\n" +
        "# HELP g A gauge.\n" +
        "# TYPE g gauge\n" +
        "g -Inf\n" +
        "g{x=\"1\"} NaN\n" +
        "# HELP h A histogram.\n" +
        "# TYPE h histogram\n" +
        "h_bucket{le=\"+Inf\"} 2\n" +
        "h_sum 0.25\n" +
        "h_count 2\n";

    [Fact]
    public void Reads_families_labels_escapes_and_values()
    {
        var families = ExpositionParser.Parse(Good);
        Assert.Equal(["a_total", "g", "h"], families.Keys);
        var a = families["a_total"];
        Assert.Equal("Things, with \\ and \n escapes.", a.Help);
        Assert.Equal("counter", a.Type);
        Assert.Equal("x\"y\\z\n", a.Samples[0].Labels["k"]);
        Assert.Equal("", a.Samples[0].Labels["l"]);
        Assert.Equal(3, a.Samples[0].Value);
        Assert.Equal(1500, a.Samples[1].Value);
        Assert.Equal(double.NegativeInfinity, families["g"].Samples[0].Value);
        Assert.True(double.IsNaN(families["g"].Samples[1].Value));
        Assert.Equal(3, families["h"].Samples.Count);
    }

    public static TheoryData<string, string> BadPages => new()
    {
        { "no final newline", Good.TrimEnd('\n') },
        { "empty page", "" },
        { "blank line", Good + "\n" },
        { "CRLF", Good.Replace("\n", "\r\n", StringComparison.Ordinal) },
        { "stray comment", "# just a comment\n" + Good },
        { "stray text", Good + "garbage\n" },
        { "no TYPE", "# HELP x_total x\nx_total 1\n" },
        { "no HELP", "# TYPE x_total counter\nx_total 1\n" },
        { "no HELP at all, sample only", "x 1\n" },
        { "TYPE after sample", "# HELP x x\nx 1\n# TYPE x gauge\n" },
        { "HELP twice", "# HELP x x\n# HELP x y\n# TYPE x gauge\nx 1\n" },
        { "TYPE twice", "# HELP x x\n# TYPE x gauge\n# TYPE x gauge\nx 1\n" },
        { "empty HELP", "# HELP x \n# TYPE x gauge\nx 1\n" },
        { "unknown type", "# HELP x x\n# TYPE x meter\nx 1\n" },
        { "family split in two groups", "# HELP x x\n# TYPE x gauge\nx 1\n# HELP y y\n# TYPE y gauge\ny 1\n# HELP x x\n" },
        { "sample of another family", "# HELP x x\n# TYPE x gauge\n# HELP y y\n# TYPE y gauge\nx 1\n" },
        { "duplicate series", "# HELP x x\n# TYPE x gauge\nx{a=\"1\",b=\"2\"} 1\nx{b=\"2\",a=\"1\"} 2\n" },
        { "counter without _total", "# HELP x x\n# TYPE x counter\nx 1\n" },
        { "negative counter", "# HELP x_total x\n# TYPE x_total counter\nx_total -1\n" },
        { "NaN counter", "# HELP x_total x\n# TYPE x_total counter\nx_total NaN\n" },
        { "bad metric name", "# HELP 1x x\n# TYPE 1x gauge\n1x 1\n" },
        { "bad metric name in sample", "# HELP x x\n# TYPE x gauge\nx-y 1\n" },
        { "bad label name", "# HELP x x\n# TYPE x gauge\nx{a-b=\"1\"} 1\n" },
        { "reserved label name", "# HELP x x\n# TYPE x gauge\nx{__name__=\"1\"} 1\n" },
        { "label twice", "# HELP x x\n# TYPE x gauge\nx{a=\"1\",a=\"2\"} 1\n" },
        { "unquoted label value", "# HELP x x\n# TYPE x gauge\nx{a=1} 1\n" },
        { "bad escape in label value", "# HELP x x\n# TYPE x gauge\nx{a=\"\\t\"} 1\n" },
        { "unterminated label value", "# HELP x x\n# TYPE x gauge\nx{a=\"1} 1\n" },
        { "trailing comma in labels", "# HELP x x\n# TYPE x gauge\nx{a=\"1\",} 1\n" },
        { "empty braces", "# HELP x x\n# TYPE x gauge\nx{} 1\n" },
        { "bad escape in HELP", "# HELP x a\\tb\n# TYPE x gauge\nx 1\n" },
        { "value not a float", "# HELP x x\n# TYPE x gauge\nx one\n" },
        { "value with comma", "# HELP x x\n# TYPE x gauge\nx 1,5\n" },
        { "lowercase inf", "# HELP x x\n# TYPE x gauge\nx inf\n" },
        { "missing value", "# HELP x x\n# TYPE x gauge\nx\n" },
        { "two spaces", "# HELP x x\n# TYPE x gauge\nx  1\n" },
        { "trailing space", "# HELP x x\n# TYPE x gauge\nx 1 \n" },
        { "bad timestamp", "# HELP x x\n# TYPE x gauge\nx 1 1.5\n" },
        { "extra field", "# HELP x x\n# TYPE x gauge\nx 1 2 3\n" },
        { "histogram sample with the family's bare name", "# HELP h h\n# TYPE h histogram\nh 1\n" },
    };

    [Theory]
    [MemberData(nameof(BadPages))]
    public void Rejects(string why, string page)
    {
        Assert.NotNull(why);
        Assert.Throws<FormatException>(() => ExpositionParser.Parse(page));
    }

    [Fact]
    public async Task Promtool_agrees_the_good_page_is_good_and_flags_a_counter_without_total()
    {
        var ct = TestContext.Current.CancellationToken;
        await Promtool.AssertAcceptsAsync(Good, ct);
        var (exitCode, output) = await Promtool.CheckAsync("# HELP x x\n# TYPE x counter\nx 1\n", ct);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("_total", output, StringComparison.Ordinal);
    }
}
