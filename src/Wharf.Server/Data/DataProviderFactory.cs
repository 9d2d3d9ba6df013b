using Wharf.Server.Configuration;

namespace Wharf.Server.Data;

/// <summary>Builds the <see cref="IDataProvider"/> a data_provider section asks for.</summary>
public static class DataProviderFactory
{
    /// <summary>
    /// A provider for <see cref="DataProviderConfig.Driver"/> (sqlite, postgresql or memory); file
    /// names are relative to <paramref name="configDirectory"/>. The schema is not touched until
    /// <see cref="IDataProvider.InitializeAsync"/>.
    /// </summary>
    /// <param name="config">The data_provider section.</param>
    /// <param name="configDirectory">The config dir.</param>
    /// <param name="passwordHasher">For passwords loaded from a memory provider's dump (default: <see cref="Accounts.Passwords.PasswordHasher.HashIfNeeded"/>).</param>
    /// <exception cref="DataProviderException">Validation, naming the option (driver for an unknown driver).</exception>
    public static IDataProvider Create(DataProviderConfig config, string configDirectory, Func<string, string>? passwordHasher = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return (config.Driver ?? "").Trim().ToLowerInvariant() switch
        {
            "sqlite" => new SqliteDataProvider(config, configDirectory),
            "postgresql" => new PostgresDataProvider(config),
            "memory" => new MemoryDataProvider(config, configDirectory, passwordHasher),
            _ => throw new DataProviderException(DataProviderError.Validation,
                $"driver: unknown data provider '{config.Driver}' (supported: sqlite, postgresql, memory)", "driver"),
        };
    }
}
