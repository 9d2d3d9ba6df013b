namespace Wharf.Server.Metrics;

/// <summary>
/// Logins per method and result in a fixed table, so counting one is an index and an
/// Interlocked increment. Methods outside the known three share an "other" row, which keeps the
/// label set bounded whatever a future authentication method calls itself.
/// </summary>
internal sealed class LoginCounters
{
    /// <summary>The methods always exposed (zero until used), as <see cref="Events.LoginEvent.Method"/> names them.</summary>
    public static readonly string[] KnownMethods = ["password", "public_key", "keyboard-interactive"];

    public const string OtherMethod = "other";

    private readonly long[] _counts = new long[(KnownMethods.Length + 1) * 2];

    public void Record(string method, bool succeeded) =>
        Interlocked.Increment(ref _counts[Slot(MethodIndex(method), succeeded)]);

    public void WriteTo(ExpositionWriter page)
    {
        page.Family("wharf_logins_total", MetricType.Counter,
            "Authentication attempts by method (password, public_key, keyboard-interactive) and result (success, failure). Public key queries are not attempts.");
        for (int m = 0; m <= KnownMethods.Length; m++)
        {
            string method = m < KnownMethods.Length ? KnownMethods[m] : OtherMethod;
            long success = Volatile.Read(ref _counts[Slot(m, true)]);
            long failure = Volatile.Read(ref _counts[Slot(m, false)]);
            if (m == KnownMethods.Length && success == 0 && failure == 0)
            {
                continue;
            }

            page.Sample(success, ("method", method), ("result", "success"));
            page.Sample(failure, ("method", method), ("result", "failure"));
        }
    }

    private static int Slot(int method, bool succeeded) => (method * 2) + (succeeded ? 0 : 1);

    private static int MethodIndex(string method) => method switch
    {
        "password" => 0,
        "public_key" => 1,
        "keyboard-interactive" => 2,
        _ => 3,
    };
}
