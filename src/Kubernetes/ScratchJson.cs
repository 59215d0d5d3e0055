using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// Writes JSON into a buffer each thread reuses, for what turns an object into something else at once (a hash, a compact
/// copy): the operator does it for every watch event and apply, and a fresh growing buffer per call was a fifth of all
/// it allocated. Nothing may be awaited between writing and reading the bytes; a nested use gets its own buffer.
/// </summary>
public static class ScratchJson
{
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;
    [ThreadStatic] private static bool t_busy;

    /// <summary>Writes with <paramref name="write"/>, then turns the bytes written into the result with <paramref name="read"/>.</summary>
    public static TResult Write<TState, TResult>(TState state, Action<Utf8JsonWriter, TState> write, Func<ReadOnlySpan<byte>, TResult> read)
    {
        if (t_busy)
        {
            var own = new ArrayBufferWriter<byte>(1024);
            using (var writer = new Utf8JsonWriter(own)) write(writer, state);
            return read(own.WrittenSpan);
        }
        t_busy = true;
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        var scratch = t_writer ??= new Utf8JsonWriter(buffer);
        try
        {
            write(scratch, state);
            scratch.Flush();
            return read(buffer.WrittenSpan);
        }
        finally
        {
            scratch.Reset(buffer);
            // A rare huge object does not keep its buffer for the thread's lifetime.
            if (buffer.Capacity > 256 * 1024) { t_buffer = new ArrayBufferWriter<byte>(16 * 1024); t_writer = null; }
            else buffer.ResetWrittenCount();
            t_busy = false;
        }
    }

    /// <summary>The node's compact UTF-8 JSON, as a new array.</summary>
    public static byte[] ToUtf8(JsonNode node) => Write(node, static (w, n) => n.WriteTo(w), static bytes => bytes.ToArray());
}
