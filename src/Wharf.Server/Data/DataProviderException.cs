namespace Wharf.Server.Data;

/// <summary>Why a data provider operation failed, in terms a caller (CLI, REST API) can report.</summary>
public enum DataProviderError
{
    NotFound,
    Conflict,
    Validation,
    Unavailable,
}

/// <summary>A data provider failure with its kind and, for validation, the field at fault.</summary>
public sealed class DataProviderException(DataProviderError error, string message, string? field = null, Exception? inner = null)
    : Exception(message, inner)
{
    public DataProviderError Error { get; } = error;

    /// <summary>For <see cref="DataProviderError.Validation"/>: the JSON name of the bad field.</summary>
    public string? Field { get; } = field;
}
