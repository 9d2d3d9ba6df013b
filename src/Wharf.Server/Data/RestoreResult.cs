namespace Wharf.Server.Data;

/// <summary>What a restore did (the positional counts are users).</summary>
/// <param name="Added">Users created.</param>
/// <param name="Updated">Existing users replaced.</param>
/// <param name="Skipped">Existing users left alone (<see cref="RestoreMode.AddOnly"/>).</param>
public sealed record RestoreResult(int Added, int Updated, int Skipped)
{
    /// <summary>Admins created.</summary>
    public int AdminsAdded { get; init; }

    /// <summary>Existing admins replaced (their last login is kept).</summary>
    public int AdminsUpdated { get; init; }

    /// <summary>Existing admins left alone (<see cref="RestoreMode.AddOnly"/>).</summary>
    public int AdminsSkipped { get; init; }
}
