using System.Runtime.InteropServices;

namespace Wharf.Ssh.Algorithms.Native;

/// <summary>
/// A reference held on a libcrypto context for the length of one call: a Dispose on another
/// thread (a connection torn down while a channel writer is sealing) then waits for the call
/// instead of freeing the context under libcrypto, and a call after the dispose throws
/// <see cref="ObjectDisposedException"/>.
/// </summary>
internal ref struct NativeHandleLease
{
    private readonly SafeHandle _owner;
    private bool _added;

    public NativeHandleLease(SafeHandle owner)
    {
        _owner = owner;
        owner.DangerousAddRef(ref _added);
    }

    /// <summary>The raw context, valid until <see cref="Dispose"/>.</summary>
    public readonly nint Handle => _owner.DangerousGetHandle();

    public void Dispose()
    {
        if (_added)
        {
            _added = false;
            _owner.DangerousRelease();
        }
    }
}
