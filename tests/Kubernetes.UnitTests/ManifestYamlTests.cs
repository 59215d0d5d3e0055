using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CleanScheduler.Kubernetes;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CleanScheduler.Kubernetes.UnitTests;

/// <summary>
/// The manifest YAML cannot be bent by what a developer writes: hostile strings in setting values, secret values,
/// env defaults and config files read back, with a YAML 1.2 reader and with a YAML 1.1 reader's eyes (kubectl's: it
/// also breaks lines at U+0085, U+2028 and U+2029 and retypes plain yes/on/~/0x1F...), as exactly the objects rendered.
/// </summary>
public sealed partial class ManifestYamlTests
{
    private const int Seed = 20261130;

    /// <summary>Strings that have broken YAML writers: breaks, indicators, document markers, retyped words, escapes.</summary>
    public static readonly string[] Hostile =
    [
        "", " ", "  ", "\t", "\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029", "\n\n", "a\n", "a\n\n", "\na", " a", "a ", "\ta", "a\t",
        "x\u2028privileged: true", "x\u2029hostPID: true", "x\u0085hostNetwork: true", "line\nprivileged: true",
        "multi\nline\u2028      securityContext:\u2028        privileged: true", "ok\r\nhostPath:\r\n  path: /",
        "text\n\u2028- name: evil\n  hostPath: {path: /}", "|\n  block", ">\n  folded", "a\n b\n  c\n", "trailing \nspaces \n",
        "---", "...", "--- \nkind: Pod", "a\n---\nkind: Pod", "a\n...\nkind: Pod", "# comment", "a # not a comment", "a#b",
        ": ", "a: b", "a:b", "key: value\nother: value", "- ", "- item", "-", "? complex", "?", "&anchor", "*alias", "!tag", "!!str x", "!!binary AA==",
        "|", ">", "%YAML 1.1", "%TAG ! tag:x,2000:", "@at", "`tick`", "{}", "[]", "{a: b}", "[a, b]", "{", "]", ",", "a, b",
        "'", "''", "\"", "\"\"", "'quoted'", "\"quoted\"", "\\", "\\n", "\\u2028", "\\\"", "a\\", "\\x41",
        "\0", "a\0b", "\u0001", "\u0007", "\b", "\u001B[31m", "\u007F", "\u0080", "\u009F", "\u00A0", "\uFEFF", "\uFEFFa", "\u200B", "\uFFFE", "a\uFFFF",
        "yes", "no", "y", "n", "Y", "N", "on", "off", "ON", "Off", "true", "False", "TRUE", "null", "Null", "NULL", "~", "<<", "=",
        "0", "-1", "+1", "007", "0o17", "0x1F", "0b101", "1_000", "1e3", "1.5", ".5", "-.inf", ".NaN", "1:20", "190:20:30", "2001-12-14",
        "2001-12-14t21:59:43.10-05:00", "€ é 漢字 🙂", "🙂\n🙂", "\uD83D\uDE42\u2028", "ünïcödé\nlines", "<script>alert(1)</script>", "${HOME}", "$(NAME)",
        "{{ DEPLOYMENT_NAME }}", "a\u000Bb\u000Cc", "\u2028\u2028\u2028", new string('x', 5000), new string('y', 3000) + "\n" + new string(' ', 100) + "z",
        string.Concat(Enumerable.Repeat("long line with : and # and - ", 200)),
    ];

    private static readonly string[] Fragments =
    [
        "\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029", "\t", " ", "  ", "\0", "\u001B", "\u007F", "\uFEFF", "#", ":", ": ", "- ", "-", "---", "...",
        "'", "\"", "\\", "{", "}", "[", "]", "&", "*", "!", "|", ">", "%", "@", "`", ",", "?", "yes", "on", "~", "null", "0x1F", "1e3", "12",
        "privileged: true", "hostPID: true", "hostNetwork: true", "securityContext:", "hostPath:", "  ", "🙂", "é", "a", "bc", "\u00A0",
    ];

    /// <summary>The explicit list, then random concatenations of dangerous fragments (fixed seed: the same strings every run).</summary>
    public static IEnumerable<string> HostileStrings()
    {
        foreach (var s in Hostile) yield return s;
        var random = new Random(Seed);
        for (var i = 0; i < 400; i++)
        {
            var text = new StringBuilder();
            var parts = random.Next(1, 12);
            for (var p = 0; p < parts; p++)
            {
                if (random.Next(4) == 0) text.Append((char)random.Next(0, 0x3000) is var c && !char.IsSurrogate(c) ? c : 'x');
                else text.Append(Fragments[random.Next(Fragments.Length)]);
            }
            yield return text.ToString();
        }
    }

    private static RenderInput Input(IReadOnlyList<string> strings, int offset)
    {
        string Pick(int i) => strings[(offset + i) % strings.Count];
        var env = new List<EnvSpec>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < 4; i++)
        {
            env.Add(new EnvSpec($"VALUE_{i}", null, false, false, null));
            values[$"VALUE_{i}"] = Pick(i);
            env.Add(new EnvSpec($"DEFAULT_{i}", Pick(10 + i), false, false, null));
        }
        env.Add(new EnvSpec("PASSWORD", null, false, true, null));
        var files = new List<ConfigFileSpec>
        {
            new("/etc/app/one.conf", Pick(20)),
            new("/etc/app/two.conf", Pick(21) + "{{ VALUE_0 }}" + Pick(22) + "{{DEFAULT_1}}"),
        };
        var service = new ServiceSpec("app", "nginx:1.27", 1, ["sh", "-c", Pick(30)], [Pick(31), "{{ VALUE_2 }}"],
            [new PortSpec("http", 8080, true)], env, null, new HealthCheckSpec("/healthz", 8080), files);
        return new RenderInput("shop", "sandbox-ann", Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, "ann", Tier.Business, TierLimits.For(Tier.Business),
            new TemplateSpec([service]), values, new Dictionary<string, string?> { ["PASSWORD"] = Pick(40) }, true, "ann-shop.apps.example.com");
    }

    [Fact]
    public void Hostile_values_defaults_secrets_and_files_read_back_as_exactly_the_rendered_objects()
    {
        var strings = HostileStrings().ToList();
        for (var offset = 0; offset < strings.Count; offset += 7)
        {
            var input = Input(strings, offset);
            var objects = ManifestRenderer.Render(input, new RenderOptions());
            var yaml = YamlJson.Write(objects);

            AssertReadsBack(objects, yaml);
            var container = objects.Single(o => (string?)o["kind"] == "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!;
            Assert.Equal(input.Values["VALUE_0"], (string?)container["env"]!.AsArray().Single(e => (string?)e!["name"] == "VALUE_0")!["value"]);
            Assert.Equal(input.Secrets["PASSWORD"], (string?)objects.Single(o => (string?)o["kind"] == "Secret")["stringData"]!["PASSWORD"]);
        }
    }

    /// <summary>
    /// The same hostile renderings read by PyYAML, a real YAML 1.1 parser (as kubectl's go-yaml, it breaks lines at
    /// U+0085, U+2028 and U+2029 and knows YAML 1.1's escapes and implicit types): the objects must be exactly the
    /// rendered ones. scripts/test.sh installs python3-yaml; one python3 process reads every rendering.
    /// </summary>
    [Fact]
    public void A_yaml_1_1_parser_reads_the_hostile_renderings_as_exactly_the_rendered_objects()
    {
        var strings = HostileStrings().ToList();
        var cases = new List<(IReadOnlyList<JsonObject> Objects, string Yaml)>();
        for (var offset = 0; offset < strings.Count; offset += 7)
        {
            var objects = ManifestRenderer.Render(Input(strings, offset), new RenderOptions());
            cases.Add((objects, YamlJson.Write(objects)));
        }
        var random = new Random(Seed + 2);
        for (var round = 0; round < 40; round++)
        {
            var obj = new JsonObject { ["kind"] = "Test" };
            for (var i = 0; i < 12; i++)
            {
                var key = strings[random.Next(strings.Count)];
                if (key.Length <= 300 && !obj.ContainsKey(key)) obj[key] = strings[random.Next(strings.Count)];
            }
            cases.Add(([obj], YamlJson.Write([obj])));
        }

        var parsed = PyYaml(cases.Select(c => c.Yaml).ToList());

        Assert.Equal(cases.Count, parsed.Count);
        for (var i = 0; i < cases.Count; i++)
            Same(cases[i].Objects.Select(o => o.ToJsonString()).ToList(), parsed[i]!.AsArray().Select(d => d!.ToJsonString()).ToList(), cases[i].Yaml);
    }

    /// <summary>
    /// Why manifests are not written through KubernetesYaml (the decision record in YamlJson): a YAML 1.1 reader retypes
    /// or loses these strings in its output, and reads ours exactly. Should KubernetesYaml learn to quote them, this fails
    /// and the choice can be made again.
    /// </summary>
    [Fact]
    public void Kubernetes_yaml_output_is_misread_by_a_yaml_1_1_parser_where_ours_is_not()
    {
        string[] values = ["0x1F", "1:20", "2001-12-14", "+1", "1_000", ".NaN", "a\r\nb", "\u2028"];
        var data = values.Select((v, i) => (Key: $"k{i}", Value: v)).ToList();
        var configMap = new k8s.Models.V1ConfigMap
        {
            ApiVersion = "v1", Kind = "ConfigMap", Metadata = new k8s.Models.V1ObjectMeta { Name = "x" },
            Data = data.ToDictionary(d => d.Key, d => d.Value),
        };

        // Each data value as [its Python type, its text]: a date or NaN has no JSON form.
        var parsed = PyYaml([k8s.KubernetesYaml.Serialize(configMap), YamlJson.Write([JsonNode.Parse(k8s.KubernetesJson.Serialize(configMap))!.AsObject()])],
            "[{k: [type(v).__name__, str(v)] for k, v in d['data'].items()} for d in yaml.safe_load_all(t)][0]");

        foreach (var (key, value) in data)
        {
            Assert.NotEqual(["str", value], parsed[0]![key]!.AsArray().Select(x => (string?)x));
            Assert.Equal(["str", value], parsed[1]![key]!.AsArray().Select(x => (string?)x));
        }
    }

    /// <summary>Each YAML text's documents as PyYAML's safe loader reads them (a JSON array per text, or what <paramref name="documents"/> makes of them).</summary>
    private static JsonArray PyYaml(IReadOnlyList<string> texts, string documents = "list(yaml.safe_load_all(t))")
    {
        var script = "import sys, json, yaml\n" +
            "texts = json.loads(sys.stdin.buffer.read().decode('utf-8'))\n" +
            $"sys.stdout.write(json.dumps([{documents} for t in texts], ensure_ascii=True))\n";
        var start = new System.Diagnostics.ProcessStartInfo("python3", ["-c", script])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var python = System.Diagnostics.Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var errors = python.StandardError.ReadToEndAsync();
        using (var input = python.StandardInput.BaseStream)
            input.Write(Encoding.UTF8.GetBytes(new JsonArray(texts.Select(t => (JsonNode?)t).ToArray()).ToJsonString()));
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, $"python3 with PyYAML (scripts/test.sh installs python3-yaml) failed: {errors.Result}");
        return JsonNode.Parse(output.Result)!.AsArray();
    }

    [Fact]
    public void Hostile_keys_and_values_of_any_object_read_back_exactly()
    {
        var strings = HostileStrings().ToList();
        var random = new Random(Seed + 1);
        for (var round = 0; round < 60; round++)
        {
            var obj = new JsonObject { ["kind"] = "Test" };
            for (var i = 0; i < 12; i++)
            {
                var key = strings[random.Next(strings.Count)];
                if (key.Length > 300 || obj.ContainsKey(key)) continue;
                obj[key] = random.Next(3) switch
                {
                    0 => strings[random.Next(strings.Count)],
                    1 => new JsonArray(strings[random.Next(strings.Count)], new JsonObject { [strings[random.Next(strings.Count)]] = strings[random.Next(strings.Count)] }, 7, true, null),
                    _ => new JsonObject { ["nested"] = new JsonObject { ["value"] = strings[random.Next(strings.Count)], ["empty"] = new JsonObject(), ["none"] = new JsonArray() } },
                };
            }
            AssertReadsBack([obj], YamlJson.Write([obj]));
        }
    }

    [Fact]
    public void Yaml_1_1_words_and_numbers_stay_strings_and_keys_that_would_be_retyped_are_quoted()
    {
        var obj = new JsonObject { ["a"] = "true", ["b"] = "80", ["c"] = "1e3", ["NO"] = "x", ["on"] = true, ["0-file"] = "", ["n"] = 5, ["list"] = new JsonArray(), ["y"] = "on" };

        var yaml = YamlJson.Write([obj]);

        AssertReadsBack([obj], yaml);
        Assert.Contains("\"on\": true", yaml);
        Assert.Contains("\"NO\": \"x\"", yaml);
        Assert.Contains("list: []", yaml);
    }

    [Fact]
    public void Multi_line_config_stays_a_readable_literal_block_unless_it_holds_something_a_block_cannot_carry()
    {
        var yaml = YamlJson.Write([new JsonObject { ["text"] = "line one\nline two\n", ["odd"] = " leading\nspace", ["sep"] = "a\u2028b\nc" }]);

        Assert.Contains("text: |\n  line one\n  line two\n", yaml);
        Assert.Contains("odd: \" leading\\nspace\"", yaml);
        Assert.Contains("sep: \"a\\Lb\\nc\"", yaml);
    }

    /// <summary>
    /// Reads the YAML back twice: as written (YamlDotNet), and as a YAML 1.1 reader sees it (every raw U+0085, U+2028 and
    /// U+2029 a line break, plain scalars typed by YAML 1.1's rules); both must give exactly the objects.
    /// </summary>
    private static void AssertReadsBack(IReadOnlyList<JsonObject> expected, string yaml)
    {
        Assert.DoesNotContain(yaml, c => c is '\u0085' or '\u2028' or '\u2029' or '\r' or '\uFFFE' or '\uFFFF' || (char.IsControl(c) && c is not ('\n' or '\t')));
        var want = expected.Select(o => o.ToJsonString()).ToList();

        Same(want, YamlJson.Documents(yaml).Select(o => o.ToJsonString()).ToList(), yaml);

        var yaml11 = Regex.Replace(yaml, "[\u0085\u2028\u2029]", "\n");
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml11));
        Same(want, stream.Documents.Select(d => Yaml11(d.RootNode)!.ToJsonString()).ToList(), yaml11);
    }

    /// <summary>Equal documents, or a failure that shows where the first one differs and the YAML around it.</summary>
    private static void Same(IReadOnlyList<string> want, IReadOnlyList<string> got, string yaml)
    {
        Assert.Equal(want.Count, got.Count);
        for (var i = 0; i < want.Count; i++)
        {
            if (want[i] == got[i]) continue;
            var at = Enumerable.Range(0, Math.Min(want[i].Length, got[i].Length)).FirstOrDefault(k => want[i][k] != got[i][k]);
            string Around(string s) => s.Substring(Math.Max(0, at - 80), Math.Min(160, s.Length - Math.Max(0, at - 80)));
            Assert.Fail($"document {i} differs at {at}:\n want {Around(want[i])}\n got  {Around(got[i])}\n--- yaml ---\n{yaml[..Math.Min(yaml.Length, 20000)]}");
        }
    }

    private static JsonNode? Yaml11(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(Yaml11Key((YamlScalarNode)c.Key), Yaml11(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Yaml11).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain } plain => Resolve11(plain.Value ?? ""),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => throw new InvalidOperationException("unexpected node"),
    };

    /// <summary>A key as YAML 1.1 types it: anything but a string cannot match the intended key.</summary>
    private static string Yaml11Key(YamlScalarNode key) =>
        key.Style != ScalarStyle.Plain ? key.Value ?? "" : Resolve11(key.Value ?? "") is JsonValue v && v.TryGetValue<string>(out var text) ? text : $"!!retyped {key.Value}";

    /// <summary>YAML 1.1's implicit types (yaml.org/type): null, bool, int, float, timestamp, merge, value.</summary>
    private static JsonNode? Resolve11(string text)
    {
        if (Null11().IsMatch(text)) return null;
        if (True11().IsMatch(text)) return JsonValue.Create(true);
        if (False11().IsMatch(text)) return JsonValue.Create(false);
        if (Decimal11().IsMatch(text) && long.TryParse(text.Replace("_", ""), out var number)) return JsonNode.Parse(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Other11().IsMatch(text)) return JsonValue.Create($"!!retyped {text}");   // never equal to an intended string
        return JsonValue.Create(text);
    }

    [GeneratedRegex("^(~|null|Null|NULL|)$")]
    private static partial Regex Null11();

    [GeneratedRegex("^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$")]
    private static partial Regex True11();

    [GeneratedRegex("^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$")]
    private static partial Regex False11();

    [GeneratedRegex("^[-+]?(0|[1-9][0-9_]*)$")]
    private static partial Regex Decimal11();

    [GeneratedRegex(@"^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+|[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+|$).*|<<|=)$")]
    private static partial Regex Other11();
}
