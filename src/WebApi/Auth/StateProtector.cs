using System.Security.Cryptography;
using System.Text;
using CleanScheduler.Infrastructure.Secrets;
using Microsoft.AspNetCore.DataProtection;

namespace CleanScheduler.WebApi.Auth;

/// <summary>
/// Protects the sign-in's <c>state</c> and nonce cookie names with AES-256-GCM under a key derived (HKDF-SHA256, one
/// key per purpose chain) from SECRETS_ENCRYPTION_KEY. Every replica has that key, so a sign-in started on one replica
/// completes on another; ASP.NET's default key ring is per process (the server's file system is read-only) and would
/// refuse it. Output: an <see cref="AesGcmFrame"/>.
/// </summary>
public sealed class StateProtector : IDataProtector
{
    private readonly byte[] _masterKey;
    private readonly string _purposes;
    private readonly byte[] _key;

    public StateProtector(byte[] masterKey, string purposes)
    {
        _masterKey = masterKey.ToArray();
        _purposes = purposes;
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, 32, salt: [], info: Encoding.UTF8.GetBytes("cleanscheduler/state\0" + purposes));
    }

    public IDataProtector CreateProtector(string purpose) => new StateProtector(_masterKey, _purposes + "\0" + purpose);

    public byte[] Protect(byte[] plaintext) => AesGcmFrame.Seal(_key, plaintext);

    /// <summary>Throws <see cref="CryptographicException"/> for anything this key did not protect (the handler then refuses the state).</summary>
    public byte[] Unprotect(byte[] protectedData) => AesGcmFrame.Open(_key, protectedData);
}
