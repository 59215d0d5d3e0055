using CleanScheduler.Domain.Templates;
using CleanScheduler.Application.Features.Templates;

namespace CleanScheduler.Kubernetes.UnitTests;

public sealed class TemplateSpecYamlTests
{
    private const string DesignExample = """
        services:
          - name: web                      # DNS-1123 label, unique in the template
            image: nginx:1.27
            replicas: 1
            command: ["nginx"]
            args: ["-g", "daemon off;"]
            ports:
              - { name: http, port: 80, public: true }
            env:
              - { name: GREETING, default: "hello" }
              - { name: API_KEY, required: true, secret: true, description: "Key for the API" }
            resources:
              requests: { cpu: 100m, memory: 128Mi }
              limits:   { cpu: 500m, memory: 256Mi }
            healthCheck: { path: /, port: 80 }
            configFiles:
              - path: /usr/share/nginx/html/index.html
                content: "<h1>{{ GREETING }}</h1>"
        """;

    private static IReadOnlyList<SpecError> Errors(string yaml)
    {
        var spec = TemplateSpecYaml.Parse(yaml, out var errors);
        Assert.Null(spec);
        Assert.NotEmpty(errors);
        return errors;
    }

    private static SpecError Only(string yaml) => Assert.Single(Errors(yaml));

    [Fact]
    public void The_designs_example_reads_completely()
    {
        var spec = TemplateSpecYaml.Parse(DesignExample, out var errors);

        Assert.Empty(errors);
        var web = Assert.Single(spec!.Services);
        Assert.Equal(("web", "nginx:1.27", 1), (web.Name, web.Image, web.Replicas));
        Assert.Equal(["nginx"], web.Command);
        Assert.Equal(["-g", "daemon off;"], web.Args);
        Assert.Equal(("http", 80, true), (web.Ports[0].Name, web.Ports[0].Port, web.Ports[0].Public));
        Assert.Equal(("GREETING", "hello", false, false), (web.Env[0].Name, web.Env[0].Default, web.Env[0].Required, web.Env[0].Secret));
        Assert.Equal((true, true, "Key for the API"), (web.Env[1].Required, web.Env[1].Secret, web.Env[1].Description));
        Assert.Equal(("100m", "256Mi"), (web.Resources!.Requests!.Cpu, web.Resources.Limits!.Memory));
        Assert.Equal(("/", 80), (web.HealthCheck!.Path, web.HealthCheck.Port));
        Assert.Equal("<h1>{{ GREETING }}</h1>", web.ConfigFiles[0].Content);
    }

    [Fact]
    public void Optional_parts_default_to_empty_and_one_replica()
    {
        var spec = TemplateSpecYaml.Parse("services:\n  - name: app\n    image: busybox\n", out var errors);

        Assert.Empty(errors);
        Assert.Equal((1, 0, 0, 0), (spec!.Services[0].Replicas, spec.Services[0].Ports.Count, spec.Services[0].Env.Count, spec.Services[0].ConfigFiles.Count));
    }

    [Fact]
    public void An_unknown_key_is_reported_at_its_line_with_the_keys_allowed()
    {
        var error = Only("services:\n  - name: web\n    image: nginx\n    replica: 2\n");

        Assert.Equal((4, 5, "services[0].replica"), (error.Line, error.Column, error.Path));
        Assert.Contains("replicas", error.Message);
    }

    [Fact]
    public void A_port_out_of_range_is_reported_at_the_port()
    {
        var error = Only("services:\n  - name: web\n    image: nginx\n    ports:\n      - name: http\n        port: 70000\n");

        Assert.Equal((6, 15, "services[0].ports[0].port"), (error.Line, error.Column, error.Path));
        Assert.Contains("65535", error.Message);
    }

    [Fact]
    public void Unknown_keys_and_rule_violations_are_reported_in_one_pass()
    {
        var errors = Errors("services:\n  - name: web\n    image: nginx\n    ports:\n      - { name: http, port: 99999 }\n    replica: 2\n");

        Assert.Equal([(5, "services[0].ports[0].port"), (6, "services[0].replica")], errors.Select(e => (e.Line, e.Path)));
    }

    [Fact]
    public void Wrong_types_are_reported_per_field()
    {
        var errors = Errors("services:\n  - name: web\n    image: nginx\n    replicas: many\n    ports: http\n");

        Assert.Equal(["services[0].replicas", "services[0].ports"], errors.Select(e => e.Path));
        Assert.Equal([4, 5], errors.Select(e => e.Line));
    }

    [Fact]
    public void A_quoted_number_is_not_a_number()
    {
        var error = Only("services:\n  - name: web\n    image: nginx\n    replicas: \"2\"\n");

        Assert.Equal("services[0].replicas", error.Path);
    }

    [Fact]
    public void Missing_required_fields_are_named()
    {
        var error = Only("services:\n  - name: web\n    ports:\n      - { name: http }\n");

        Assert.Equal("services[0].image", error.Path);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Rule_violations_get_the_line_of_the_field()
    {
        var errors = Errors("""
            services:
              - name: Web
                image: nginx
                ports:
                  - { name: http, port: 80, public: true }
              - name: api
                image: "not an image"
                ports:
                  - { name: http, port: 8080, public: true }
                env:
                  - { name: TOKEN, secret: true, default: "oops" }
                resources:
                  requests: { cpu: 2 }
                  limits: { cpu: 500m }
            """);

        Assert.Equal([
            (2, "services[0].name"), (7, "services[1].image"), (9, "services[1].ports[0].public"),
            (11, "services[1].env[0].default"), (13, "services[1].resources.requests.cpu"),
        ], errors.Select(e => (e.Line, e.Path)));
    }

    [Fact]
    public void Config_files_may_only_use_the_services_own_settings()
    {
        var error = Only("services:\n  - name: web\n    image: nginx\n    configFiles:\n      - path: /etc/app.conf\n        content: \"x={{ MISSING }}\"\n");

        Assert.Equal((6, "services[0].configFiles[0].content"), (error.Line, error.Path));
    }

    [Theory]
    [InlineData("services:\n  - name: web\n\timage: nginx\n", 3)]
    [InlineData("services:\n  - name: \"web\n", 3)]
    [InlineData("services: [\n", 2)]
    [InlineData("services:\n  - name: web\n    image: nginx\n   ports: []\n", 4)]
    public void Broken_yaml_is_reported_at_its_line(string yaml, int line)
    {
        var error = Only(yaml);

        Assert.StartsWith("Not valid YAML", error.Message, StringComparison.Ordinal);
        Assert.Equal(line, error.Line);
    }

    [Fact]
    public void Anchors_and_aliases_are_refused()
    {
        var error = Only("services:\n  - &svc\n    name: web\n    image: nginx\n  - *svc\n");

        Assert.Contains("Anchors", error.Message);
    }

    [Fact]
    public void Deep_nesting_is_refused_without_recursing()
    {
        var error = Only("services: " + new string('[', 100_000) + new string(']', 100_000));

        Assert.Contains("Nested deeper", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("services:\n  - name: a\n    image: b\n---\nservices: []\n")]
    [InlineData("just text")]
    [InlineData("services: []")]
    [InlineData("- a\n- b\n")]
    public void Other_shapes_are_refused(string yaml) => Errors(yaml);

    [Fact]
    public void A_huge_spec_is_refused() => Errors("services: []\n#" + new string('x', TemplateSpecYaml.MaxBytes));

    [Fact]
    public void Errors_read_well()
    {
        var error = Only("services:\n  - name: web\n    image: nginx\n    replicas: 99\n");

        Assert.Equal("line 4, column 15: services[0].replicas: Must be between 1 and 20.", error.ToString());
    }

    [Theory]
    [InlineData("# only a comment\n")]
    [InlineData("# one\n# two\n\n")]
    [InlineData("...\n")]
    public void A_spec_of_comments_only_is_an_error_not_an_exception(string yaml) =>
        Assert.Contains("empty", Only(yaml).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("securityContext:\n      privileged: true", "securityContext")]
    [InlineData("hostNetwork: true", "hostNetwork")]
    [InlineData("hostPID: true", "hostPID")]
    [InlineData("hostIPC: true", "hostIPC")]
    [InlineData("privileged: true", "privileged")]
    [InlineData("volumes:\n      - hostPath: { path: / }", "volumes")]
    [InlineData("capabilities: { add: [SYS_ADMIN] }", "capabilities")]
    [InlineData("serviceAccountName: admin", "serviceAccountName")]
    public void A_spec_cannot_ask_for_privileged_pod_settings(string field, string key)
    {
        var error = Only($"services:\n  - name: web\n    image: nginx\n    {field}\n");

        Assert.Equal($"services[0].{key}", error.Path);
        Assert.StartsWith($"Unknown key '{key}'", error.Message, StringComparison.Ordinal);
    }
}
