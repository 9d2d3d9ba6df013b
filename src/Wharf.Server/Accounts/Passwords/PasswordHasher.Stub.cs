namespace Wharf.Server.Accounts.Passwords;

// Placeholder until the password hashing work lands; replaced by the real implementation.
public static partial class PasswordHasher
{
    public static partial bool IsHashed(string value) => throw new NotImplementedException();
    public static partial string Hash(string password) => throw new NotImplementedException();
    public static partial bool Verify(string password, string stored) => throw new NotImplementedException();
    public static partial void VerifyDummy(string password) => throw new NotImplementedException();
}
