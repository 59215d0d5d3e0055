using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Templates;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>
/// The system templates every platform starts with, published at start-up unless a system template of the same
/// name exists (so an admin's later edits are never overwritten). Services of one deployment reach each other at
/// <c>{{ DEPLOYMENT_NAME }}-&lt;service&gt;</c>.
/// </summary>
public static class SystemTemplates
{
    public sealed record Seed(string Name, string Description, string Spec);

    public static IReadOnlyList<Seed> All { get; } =
    [
        new("Static site", "A static web page served by nginx. Set the page's title and text; everything else is ready.", """
            services:
              - name: web
                image: nginx:1.27-alpine
                ports:
                  - { name: http, port: 80, public: true }
                env:
                  - { name: PAGE_TITLE, default: "Hello from CleanScheduler", description: "Title of the page" }
                  - { name: PAGE_TEXT, default: "This site runs on CleanScheduler.", description: "Text of the page" }
                resources:
                  requests: { cpu: 50m, memory: 32Mi }
                  limits: { cpu: 200m, memory: 64Mi }
                healthCheck: { path: /, port: 80 }
                configFiles:
                  - path: /usr/share/nginx/html/index.html
                    content: |
                      <!doctype html>
                      <html><head><meta charset="utf-8"><title>{{ PAGE_TITLE }}</title></head>
                      <body><h1>{{ PAGE_TITLE }}</h1><p>{{ PAGE_TEXT }}</p></body></html>
            """),
        new("Web app + PostgreSQL", "A web front end (Adminer) with a PostgreSQL 16 database behind it. Copy it and put your own image in place of Adminer.", """
            services:
              - name: app
                image: adminer:4.8.1
                ports:
                  - { name: http, port: 8080, public: true }
                env:
                  - { name: ADMINER_DEFAULT_SERVER, default: "{{ DEPLOYMENT_NAME }}-db", description: "Database host the app connects to" }
                resources:
                  requests: { cpu: 50m, memory: 64Mi }
                  limits: { cpu: 500m, memory: 256Mi }
                healthCheck: { path: /, port: 8080 }
              - name: db
                image: postgres:16-alpine
                ports:
                  - { name: postgres, port: 5432 }
                env:
                  - { name: POSTGRES_USER, default: "app", description: "Database user" }
                  - { name: POSTGRES_DB, default: "app", description: "Database name" }
                  - { name: POSTGRES_PASSWORD, required: true, secret: true, description: "Password of the database user" }
                resources:
                  requests: { cpu: 100m, memory: 256Mi }
                  limits: { cpu: "1", memory: 512Mi }
            """),
        new("Web app + Redis cache", "A web front end (Redis Commander) with a Redis 7 cache. Copy it and put your own image in place of the front end.", """
            services:
              - name: app
                image: rediscommander/redis-commander:latest
                ports:
                  - { name: http, port: 8081, public: true }
                env:
                  - { name: REDIS_HOSTS, default: "cache:{{ DEPLOYMENT_NAME }}-cache:6379", description: "Redis servers the app shows" }
                resources:
                  requests: { cpu: 50m, memory: 64Mi }
                  limits: { cpu: 300m, memory: 256Mi }
                healthCheck: { path: /, port: 8081 }
              - name: cache
                image: redis:7-alpine
                args: ["--maxmemory", "{{ REDIS_MAXMEMORY }}", "--maxmemory-policy", "allkeys-lru"]
                ports:
                  - { name: redis, port: 6379 }
                env:
                  - { name: REDIS_MAXMEMORY, default: "100mb", description: "Memory Redis may use for data" }
                resources:
                  requests: { cpu: 50m, memory: 64Mi }
                  limits: { cpu: 500m, memory: 192Mi }
            """),
    ];

    /// <summary>Publishes the seeds that are missing; returns how many were published.</summary>
    public static async Task<int> SeedAsync(IAppDbContext db, TemplateSpecCache specs, TimeProvider clock, CancellationToken cancellationToken)
    {
        var existing = await db.Templates.AsNoTracking().Where(t => t.Visibility == TemplateVisibility.System)
            .Select(t => t.Name.ToLower()).ToListAsync(cancellationToken);
        var published = 0;
        foreach (var seed in All.Where(s => !existing.Contains(s.Name.ToLowerInvariant())))
        {
            specs.ParseOrThrow(seed.Spec);
            db.Templates.Add(Template.PublishSystem(seed.Name, seed.Description, seed.Spec, null, clock.GetUtcNow()));
            published++;
        }
        if (published > 0)
        {
            try { await db.SaveChangesAsync(cancellationToken); }
            catch (ConstraintViolationException) { return 0; }   // another server seeded them at the same moment
        }
        return published;
    }
}
