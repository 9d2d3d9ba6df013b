using System.Text.Json;
using System.Text.Json.Nodes;

namespace Wharf.Interop.Tests;

/// <summary>
/// Runs Node's ssh2 client (pinned in node/package.json, installed by scripts/install-test-deps.sh
/// with npm ci) through node/ssh2-driver.js: one connection, a list of operations, one JSON
/// line back per operation.
/// </summary>
public static class Ssh2Client
{
    /// <summary>The driver's folder in the source tree (node_modules is installed there).</summary>
    public static string Folder
    {
        get
        {
            var dir = Path.Combine(ServeFixture.RepoRoot(), "tests", "Wharf.Interop.Tests", "node");
            if (!File.Exists(Path.Combine(dir, "node_modules", "ssh2", "package.json")))
            {
                throw new InvalidOperationException($"ssh2 is not installed in {dir}: run scripts/install-test-deps.sh (scripts/test.sh does)");
            }

            return dir;
        }
    }

    public sealed record Result(int ExitCode, List<JsonObject> Lines, string StdErr)
    {
        /// <summary>The result of the <paramref name="index"/>th operation, which must have succeeded.</summary>
        public JsonNode? Ok(int index)
        {
            var line = Lines[index];
            Assert.True(line["ok"]?.GetValue<bool>() == true, $"operation {index} ({line["op"]}) failed: {line.ToJsonString()}\n{StdErr}");
            return line["result"];
        }

        /// <summary>The closing line: rekeys seen by the client, last auth method tried.</summary>
        public JsonObject Done => Lines.Last(l => l.ContainsKey("done"));

        public override string ToString() => string.Join('\n', Lines.Select(l => l.ToJsonString())) + "\n" + StdErr;
    }

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> as <paramref name="user"/> and runs <paramref name="ops"/>.</summary>
    public static async Task<Result> RunAsync(int port, string user, string authType, string secret, params object[] ops)
    {
        var spec = JsonSerializer.Serialize(new { port, username = user, auth = new { type = authType, secret }, ops });
        var r = await ProcessRunner.RunAsync("node", [Path.Combine(Folder, "ssh2-driver.js"), spec], timeout: TimeSpan.FromMinutes(3));
        var lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        return new Result(r.ExitCode, lines, r.StdErr);
    }
}
