using System.Text;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.Kubernetes.UnitTests;

public sealed class ScratchJsonTests
{
    private static JsonObject Sample(int size) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "web", ["labels"] = new JsonObject { ["app"] = "é\"<" } },
        ["data"] = new string('x', size),
    };

    [Fact]
    public void Writes_what_the_node_writes_on_its_own_call_after_call()
    {
        foreach (var size in new[] { 10, 100_000, 10, 400_000, 3 })   // a buffer grown by one call does not leak into the next
        {
            var node = Sample(size);
            Assert.Equal(node.ToJsonString(), Encoding.UTF8.GetString(ScratchJson.ToUtf8(node)));
        }
    }

    [Fact]
    public void A_nested_use_gets_its_own_buffer()
    {
        var (outer, inner) = (Sample(50), Sample(70));
        var (written, nested) = ScratchJson.Write(outer, (w, n) => n.WriteTo(w), bytes =>
        {
            var nestedBytes = ScratchJson.ToUtf8(inner);   // while the outer bytes are still being read
            return (Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(nestedBytes));
        });
        Assert.Equal(outer.ToJsonString(), written);
        Assert.Equal(inner.ToJsonString(), nested);
    }

    [Fact]
    public void A_write_that_throws_leaves_the_buffer_usable()
    {
        Assert.Throws<InvalidOperationException>(() => ScratchJson.Write(0, (w, _) => { w.WriteStartObject(); w.WriteString("a", "b"); throw new InvalidOperationException(); }, b => b.Length));
        var node = Sample(5);
        Assert.Equal(node.ToJsonString(), Encoding.UTF8.GetString(ScratchJson.ToUtf8(node)));
    }
}
