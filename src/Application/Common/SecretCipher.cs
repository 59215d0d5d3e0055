namespace CleanScheduler.Application.Common;

/// <summary>
/// Encrypts secret values before they are stored. <paramref name="context"/> names what the value belongs to
/// (for example its deployment and setting); decrypting with another context fails, so a stored value cannot be
/// moved to another row unnoticed.
/// </summary>
public interface ISecretCipher
{
    (byte[] Ciphertext, string KeyId) Encrypt(string plaintext, string context);
    string Decrypt(byte[] ciphertext, string keyId, string context);
}
