using System.Security.Cryptography;

namespace CleanScheduler.Infrastructure.Secrets;

/// <summary>
/// AES-256-GCM in the one form the platform stores and sends: a random 96-bit nonce | ciphertext | 128-bit tag. Used by
/// the secrets cipher (values at rest) and the sign-in state protector.
/// </summary>
public static class AesGcmFrame
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Seal(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), associatedData);
        return output;
    }

    /// <summary>Throws <see cref="CryptographicException"/> for a truncated or altered frame, or one sealed with another key or data.</summary>
    public static byte[] Open(byte[] key, ReadOnlySpan<byte> frame, ReadOnlySpan<byte> associatedData = default)
    {
        if (frame.Length < NonceSize + TagSize) throw new CryptographicException("The value is truncated.");
        var length = frame.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(frame[..NonceSize], frame.Slice(NonceSize, length), frame[(NonceSize + length)..], plain, associatedData);
        return plain;
    }
}
