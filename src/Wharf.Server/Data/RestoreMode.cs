namespace Wharf.Server.Data;

/// <summary>How <see cref="DataDump.RestoreAsync"/> treats users that already exist (SFTPGo's restore modes).</summary>
public enum RestoreMode
{
    /// <summary>0: new users are added, existing users are updated (their used quota is kept).</summary>
    AddAndUpdate = 0,

    /// <summary>1: new users are added, existing users are left as they are.</summary>
    AddOnly = 1,
}
