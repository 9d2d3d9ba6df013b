namespace Wharf.Server.Data;

/// <summary>What a restore did.</summary>
/// <param name="Added">Users created.</param>
/// <param name="Updated">Existing users replaced.</param>
/// <param name="Skipped">Existing users left alone (<see cref="RestoreMode.AddOnly"/>).</param>
public sealed record RestoreResult(int Added, int Updated, int Skipped);
