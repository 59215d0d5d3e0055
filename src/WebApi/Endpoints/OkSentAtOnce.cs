using System.Buffers;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace CleanScheduler.WebApi.Endpoints;

/// <summary>
/// 200 with <typeparamref name="T"/> as JSON, as <see cref="Microsoft.AspNetCore.Http.HttpResults.Ok{TValue}"/> writes it (the
/// API's serializer options, the same bytes and OpenAPI metadata), but serialized first into a pooled buffer and sent in
/// one write with its Content-Length, where the framework streams it in chunks of 16 KiB with a flush each. For the
/// busiest large response (the deployment list, ~44 KB for 100): one send and one wake-up of the client instead of
/// three or four (bench/README.md).
/// </summary>
public sealed class OkSentAtOnce<T>(T value) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>
{
    public T Value => value;
    object? IValueHttpResult.Value => value;
    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var options = httpContext.RequestServices.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions;
        var buffer = new PooledBuffer();
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
                   {
                       Encoder = options.Encoder, Indented = options.WriteIndented, MaxDepth = options.MaxDepth, SkipValidation = true,
                   }))
                JsonSerializer.Serialize(writer, value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            response.ContentLength = buffer.Written.Length;
            await response.Body.WriteAsync(buffer.Written, httpContext.RequestAborted);
        }
        finally
        {
            buffer.Dispose();   // after the write has completed: the bytes are ours until then
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));

    /// <summary>An <see cref="IBufferWriter{T}"/> over arrays of the shared pool, grown by doubling.</summary>
    private sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
    {
        private byte[] _array = ArrayPool<byte>.Shared.Rent(64 * 1024);
        private int _written;

        public ReadOnlyMemory<byte> Written => _array.AsMemory(0, _written);

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => Ensure(sizeHint).AsMemory(_written);

        public Span<byte> GetSpan(int sizeHint = 0) => Ensure(sizeHint).AsSpan(_written);

        private byte[] Ensure(int sizeHint)
        {
            if (_array.Length - _written >= Math.Max(sizeHint, 1)) return _array;
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, _written + sizeHint));
            _array.AsSpan(0, _written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_array);
            return _array = larger;
        }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = [];
        }
    }
}
