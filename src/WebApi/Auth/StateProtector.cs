using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace CleanScheduler.WebApi.Auth;

/// <summary>
/// Protects the sign-in's <c>state</c> and nonce cookie names with AES-256-GCM under a key derived (HKDF-SHA256, one
/// key per purpose chain) from SECRETS_ENCRYPTION_KEY. Every replica has that key, so a sign-in started on one replica
/// completes on another; ASP.NET's default key ring is per process (the server's file system is read-only) and would
/// refuse it. Output: 96-bit random nonce | ciphertext | 128-bit tag.
/// </summary>
public sealed class StateProtector : IDataProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
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

    public byte[] Protect(byte[] plaintext)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length));
        return output;
    }

    /// <summary>Throws <see cref="CryptographicException"/> for anything this key did not protect (the handler then refuses the state).</summary>
    public byte[] Unprotect(byte[] protectedData)
    {
        if (protectedData.Length < NonceSize + TagSize) throw new CryptographicException("The protected value is truncated.");
        var length = protectedData.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(protectedData.AsSpan(0, NonceSize), protectedData.AsSpan(NonceSize, length), protectedData.AsSpan(NonceSize + length), plain);
        return plain;
    }
}
