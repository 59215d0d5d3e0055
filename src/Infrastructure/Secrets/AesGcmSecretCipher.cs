using System.Security.Cryptography;
using System.Text;
using CleanScheduler.Application.Common;

namespace CleanScheduler.Infrastructure.Secrets;

/// <summary>
/// SECRETS_BACKEND=database: AES-256-GCM over a keyring. The current key (SECRETS_ENCRYPTION_KEY) encrypts; it and the
/// previous keys (SECRETS_ENCRYPTION_KEY_PREVIOUS) decrypt, each chosen by the key id stored beside the value (first
/// 8 bytes of SHA-256 of the key, hex). Each value is an <see cref="AesGcmFrame"/> with the context as associated data.
/// </summary>
public sealed class AesGcmSecretCipher : ISecretCipher
{
    private readonly byte[] _key;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    public AesGcmSecretCipher(byte[] key, params IEnumerable<byte[]> previous)
    {
        _key = Checked(key).ToArray();
        KeyId = IdOf(key);
        _keys[KeyId] = _key;
        foreach (var old in previous) _keys.TryAdd(IdOf(Checked(old)), old.ToArray());
    }

    /// <summary>The id of the key that encrypts.</summary>
    public string KeyId { get; }

    /// <summary>The ids of every key that decrypts, the current one first.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    public static string IdOf(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key)[..8]);

    public (byte[] Ciphertext, string KeyId) Encrypt(string plaintext, string context) =>
        (AesGcmFrame.Seal(_key, Encoding.UTF8.GetBytes(plaintext), Encoding.UTF8.GetBytes(context)), KeyId);

    public string Decrypt(byte[] ciphertext, string keyId, string context)
    {
        if (!_keys.TryGetValue(keyId, out var key))
            throw new CryptographicException(
                $"The value was encrypted with key {keyId}, which is neither SECRETS_ENCRYPTION_KEY ({KeyId}) nor one of SECRETS_ENCRYPTION_KEY_PREVIOUS " +
                $"({(_keys.Count > 1 ? string.Join(", ", _keys.Keys.Skip(1)) : "none set")}). Configure that key as SECRETS_ENCRYPTION_KEY_PREVIOUS to read it.");
        return Encoding.UTF8.GetString(AesGcmFrame.Open(key, ciphertext, Encoding.UTF8.GetBytes(context)));
    }

    private static byte[] Checked(byte[] key) =>
        key.Length == 32 ? key : throw new ArgumentException("An encryption key must be 32 bytes.", nameof(key));
}
