using CleanScheduler.Domain.Templates;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>What the model is told: the spec format with a system template as example, and how a repair is asked for.</summary>
public static class TemplateDraftPrompt
{
    public static string Instructions { get; } = $$$"""
        You write deployment templates for CleanScheduler, a platform that runs multi-service apps on Kubernetes.
        Answer with the template's YAML only: no prose, no Markdown fence. The format, and no other keys:

        services:                          # one or more
          - name: web                      # DNS-1123 label, unique in the template
            image: nginx:1.27              # a pinned image tag, never latest
            replicas: 1                    # optional, default 1
            command: ["nginx"]             # optional
            args: ["-g", "daemon off;"]    # optional
            ports:
              - { name: http, port: 80, public: true }   # at most one public port in the whole template
            env:
              - { name: GREETING, default: "hello", description: "Shown on the page" }
              - { name: API_KEY, required: true, secret: true, description: "Key for the API" }
            resources:
              requests: { cpu: 100m, memory: 128Mi }
              limits:   { cpu: 500m, memory: 256Mi }
            healthCheck: { path: /, port: 80 }
            configFiles:
              - path: /usr/share/nginx/html/index.html
                content: "<h1>{{ GREETING }}</h1>"

        Rules: passwords, keys and tokens are env entries with secret: true and required: true, never with a default.
        Services of one deployment reach each other at {{ DEPLOYMENT_NAME }}-<service name>. Give every service
        resource requests and limits. No anchors or aliases.

        An example, the platform's "{{{SystemTemplates.All[1].Name}}}" template:

        {{{SystemTemplates.All[1].Spec}}}
        """;

    /// <summary>The user turn of a repair round: each problem at its line, then the ask for the whole corrected spec.</summary>
    public static string Repair(IReadOnlyList<SpecError> errors) =>
        "Our parser refused that YAML:\n" + string.Join('\n', errors.Select(e => e.ToString()))
        + "\nAnswer with the complete corrected YAML only.";

    /// <summary>The YAML of a reply: the inside of a Markdown code fence when the model wrapped it in one, else the reply.</summary>
    public static string YamlOf(string reply)
    {
        var text = reply.Trim();
        var start = text.IndexOf("```", StringComparison.Ordinal);
        if (start < 0) return text + "\n";
        var body = text.IndexOf('\n', start);
        var end = body < 0 ? -1 : text.IndexOf("```", body, StringComparison.Ordinal);
        return body < 0 ? text + "\n" : (end < 0 ? text[(body + 1)..] : text[(body + 1)..end]).TrimEnd() + "\n";
    }
}
