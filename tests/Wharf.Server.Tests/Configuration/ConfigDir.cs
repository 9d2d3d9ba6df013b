namespace Wharf.Server.Tests.Configuration;

/// <summary>A temporary config dir, deleted on dispose.</summary>
internal sealed class ConfigDir : IDisposable
{
    public ConfigDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wharf-cfg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string text)
    {
        var p = System.IO.Path.Combine(Path, name);
        File.WriteAllText(p, text);
        return p;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
