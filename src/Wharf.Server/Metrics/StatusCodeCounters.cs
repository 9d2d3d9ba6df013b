namespace Wharf.Server.Metrics;

/// <summary>
/// HTTP responses per status code: one slot per possible code (ASP.NET Core only allows
/// 100–999), so counting needs no dictionary and no lock. Codes never seen are not exposed.
/// </summary>
internal sealed class StatusCodeCounters
{
    private const int First = 100;
    private const int Last = 999;

    private readonly long[] _counts = new long[Last - First + 1];

    /// <summary>Counts one response; a code outside 100–999 cannot come from the HTTP stack and is ignored rather than thrown at the request.</summary>
    public void Record(int statusCode)
    {
        if (statusCode is >= First and <= Last)
        {
            Interlocked.Increment(ref _counts[statusCode - First]);
        }
    }

    public void WriteTo(ExpositionWriter page)
    {
        page.Family("wharf_http_requests_total", MetricType.Counter, "HTTP requests served, by response status code.");
        for (int i = 0; i < _counts.Length; i++)
        {
            long count = Volatile.Read(ref _counts[i]);
            if (count != 0)
            {
                page.Sample(count, ("code", (i + First).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
    }
}
