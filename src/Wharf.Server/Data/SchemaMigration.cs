namespace Wharf.Server.Data;

/// <summary>One schema step: applied once, in version order, recorded in schema_version.</summary>
internal sealed record SchemaMigration(int Version, string Description, string Sql);
