using System.Text;

namespace Wharf.Server.Actions;

/// <summary>Builds a notification address: the configured URL with the action's parameters added to whatever query it already has.</summary>
internal static class NotificationUrl
{
    public static Uri Build(string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var builder = new UriBuilder(url);
        var query = new StringBuilder(builder.Query.TrimStart('?').TrimEnd('&'));
        foreach (var (name, value) in parameters)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        builder.Query = query.ToString();
        return builder.Uri;
    }

    /// <summary>The URL without its query or user info, for logs (a query may carry a token).</summary>
    public static string ForLog(Uri uri) => uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
}
