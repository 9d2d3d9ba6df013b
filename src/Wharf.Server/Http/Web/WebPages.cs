using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace Wharf.Server.Http.Web;

/// <summary>
/// Renders the page templates. Pages are shells: their data is fetched by the page's script
/// from the API, so the only server-side values are the title, the navigation and, on the login
/// page, the error and the name typed — all HTML-encoded.
/// </summary>
public sealed class WebPages(WebAssets assets)
{
    private readonly string _layout = assets.Text("layout.html");

    /// <summary>A page inside the layout: <paramref name="body"/> is a template file, <paramref name="script"/> a static script.</summary>
    public IResult Page(string title, string nav, string body, string script) =>
        Html(_layout
            .Replace("{{title}}", HtmlEncoder.Default.Encode(title), StringComparison.Ordinal)
            .Replace("{{nav-users}}", nav == "users" ? "current" : "", StringComparison.Ordinal)
            .Replace("{{nav-connections}}", nav == "connections" ? "current" : "", StringComparison.Ordinal)
            .Replace("{{body}}", assets.Text(body), StringComparison.Ordinal)
            .Replace("{{script}}", script, StringComparison.Ordinal)
            .Replace("{{v}}", assets.Version, StringComparison.Ordinal));

    /// <summary>The login form, with an optional error and the name to fill in again.</summary>
    public IResult Login(string? error, string username, int status = StatusCodes.Status200OK) =>
        Html(assets.Text("login.html")
            .Replace("{{error}}", error is null ? "" : $"<p class=\"error\" role=\"alert\" id=\"login-error\">{HtmlEncoder.Default.Encode(error)}</p>", StringComparison.Ordinal)
            .Replace("{{username}}", HtmlEncoder.Default.Encode(username), StringComparison.Ordinal)
            .Replace("{{v}}", assets.Version, StringComparison.Ordinal), status);

    private static IResult Html(string html, int status = StatusCodes.Status200OK) =>
        Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
}
