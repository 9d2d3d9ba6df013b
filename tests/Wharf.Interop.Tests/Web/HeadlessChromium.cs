using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Wharf.Interop.Tests.Web;

/// <summary>
/// Debian's chromium driven through Debian's chromedriver (both paths given, so Selenium Manager
/// never tries to download anything), headless, with a fresh profile deleted on dispose.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    public const string BrowserPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    private readonly string _profile = Path.Combine(Path.GetTempPath(), "wharf-chromium-" + Guid.NewGuid().ToString("N")[..8]);

    public HeadlessChromium()
    {
        Directory.CreateDirectory(_profile);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        // We run as root in CI: no sandbox. No network chatter of the browser's own.
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,900",
            "--user-data-dir=" + _profile);
        options.SetLoggingPreference(LogType.Browser, LogLevel.All); // to catch script errors and CSP refusals
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        Driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
    }

    public ChromeDriver Driver { get; }

    public static bool Available => File.Exists(BrowserPath) && File.Exists(DriverPath);

    /// <summary>
    /// Skips a developer's run without the browser, but fails under CI (CI=true), where
    /// scripts/install-test-deps.sh installs it: a missing browser there must not turn the web
    /// admin tests into silent skips.
    /// </summary>
    public static void RequireAvailable()
    {
        if (!Available)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "chromium and chromium-driver are missing; scripts/install-test-deps.sh installs them");
            Assert.Skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
        }
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a value (stale elements while a page redraws count as "not yet").</summary>
    public T WaitFor<T>(Func<IWebDriver, T?> probe, string what, double seconds = 15)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (probe(Driver) is { } value)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is StaleElementReferenceException or NoSuchElementException)
            {
                last = ex;
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"waited {seconds} s for {what}; page {Driver.Url}: {Text("body")}", last);
    }

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public void WaitUntil(Func<IWebDriver, bool> condition, string what, double seconds = 15) =>
        WaitFor(d => condition(d) ? "" : null, what, seconds);

    /// <summary>
    /// The page's script errors and Content-Security-Policy refusals since the last call: either
    /// would leave a page silently half-working, so tests assert there are none. (Failed requests
    /// are logged too, but a 400 can be the point of a test.)
    /// </summary>
    public IReadOnlyList<string> PageErrors() =>
        Driver.Manage().Logs.GetLog(LogType.Browser)
            .Select(e => e.Message)
            .Where(m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || m.Contains("Uncaught", StringComparison.Ordinal)
                || m.Contains("TypeError", StringComparison.Ordinal) || m.Contains("ReferenceError", StringComparison.Ordinal) || m.Contains("SyntaxError", StringComparison.Ordinal))
            .ToList();

    /// <summary>The text of the first element matching <paramref name="css"/>, or "" when there is none.</summary>
    public string Text(string css)
    {
        try
        {
            return Driver.FindElement(By.CssSelector(css)).Text;
        }
        catch (WebDriverException)
        {
            return "";
        }
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, true);
        }
        catch (IOException)
        {
            // chromium may still be writing its profile as it exits; the temp dir is harmless
        }
    }
}
