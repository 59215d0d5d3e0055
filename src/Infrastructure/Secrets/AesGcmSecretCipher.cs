using System.Security.Cryptography;
using System.Text;
using CleanScheduler.Application.Common;

namespace CleanScheduler.Infrastructure.Secrets;

/// <summary>
/// SECRETS_BACKEND=database: AES-256-GCM with the key from SECRETS_ENCRYPTION_KEY. Each value gets a random 96-bit
/// nonce; the stored form is nonce | ciphertext | 128-bit tag; the context is authenticated as associated data.
/// The key id (first 8 bytes of SHA-256 of the key, hex) is stored beside each value, for key rotation.
/// </summary>
public sealed class AesGcmSecretCipher : ISecretCipher
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public AesGcmSecretCipher(byte[] key)
    {
        if (key.Length != 32) throw new ArgumentException("The key must be 32 bytes.", nameof(key));
        _key = key.ToArray();
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key)[..8]);
    }

    public string KeyId { get; }

    public (byte[] Ciphertext, string KeyId) Encrypt(string plaintext, string context)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), Encoding.UTF8.GetBytes(context));
        return (output, KeyId);
    }

    public string Decrypt(byte[] ciphertext, string keyId, string context)
    {
        if (keyId != KeyId)
            throw new CryptographicException($"The value was encrypted with key {keyId}, but the configured key is {KeyId}.");
        if (ciphertext.Length < NonceSize + TagSize) throw new CryptographicException("The stored value is truncated.");
        var length = ciphertext.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(ciphertext.AsSpan(0, NonceSize), ciphertext.AsSpan(NonceSize, length), ciphertext.AsSpan(NonceSize + length), plain,
            Encoding.UTF8.GetBytes(context));
        return Encoding.UTF8.GetString(plain);
    }
}
