using System.Security.Cryptography;
using System.Text;
using CleanScheduler.Application.Common;

namespace CleanScheduler.Infrastructure.Secrets;

/// <summary>
/// SECRETS_BACKEND=database: AES-256-GCM with the key from SECRETS_ENCRYPTION_KEY. Each value is stored as an
/// <see cref="AesGcmFrame"/> (random 96-bit nonce | ciphertext | 128-bit tag), the context authenticated as associated data.
/// The key id (first 8 bytes of SHA-256 of the key, hex) is stored beside each value, for key rotation.
/// </summary>
public sealed class AesGcmSecretCipher : ISecretCipher
{
    private readonly byte[] _key;

    public AesGcmSecretCipher(byte[] key)
    {
        if (key.Length != 32) throw new ArgumentException("The key must be 32 bytes.", nameof(key));
        _key = key.ToArray();
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key)[..8]);
    }

    public string KeyId { get; }

    public (byte[] Ciphertext, string KeyId) Encrypt(string plaintext, string context) =>
        (AesGcmFrame.Seal(_key, Encoding.UTF8.GetBytes(plaintext), Encoding.UTF8.GetBytes(context)), KeyId);

    public string Decrypt(byte[] ciphertext, string keyId, string context)
    {
        if (keyId != KeyId)
            throw new CryptographicException($"The value was encrypted with key {keyId}, but the configured key is {KeyId}.");
        return Encoding.UTF8.GetString(AesGcmFrame.Open(_key, ciphertext, Encoding.UTF8.GetBytes(context)));
    }
}
