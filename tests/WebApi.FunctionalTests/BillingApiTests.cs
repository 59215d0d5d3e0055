using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport.Kubernetes;
using CleanScheduler.TestSupport.Stripe;
using Npgsql;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The server with BILLING_ENABLED=true, Stripe.net pointed at <see cref="FakeStripeServer"/>, and a cluster.</summary>
public sealed class BillingApiFactory : ClusterApiFactory
{
    public const string WebhookSecret = "whsec_test_billing_0123456789";
    public const string BusinessPrice = "price_business_monthly";
    public const string EnterprisePrice = "price_enterprise_monthly";

    public FakeStripeServer Stripe { get; private set; } = null!;

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["BILLING_ENABLED"] = "true";
            settings["STRIPE_API_KEY"] = Stripe.ApiKey;
            settings["STRIPE_WEBHOOK_SECRET"] = WebhookSecret;
            settings["STRIPE_API_BASE"] = Stripe.Address.ToString();
            return settings;
        }
    }

    public override async Task InitializeAsync()
    {
        Stripe = await FakeStripeServer.StartAsync();
        Stripe.Prices[BusinessPrice] = true;
        Stripe.Prices[EnterprisePrice] = true;
        await base.InitializeAsync();
    }

    protected override async Task DisposePeersAsync()
    {
        await base.DisposePeersAsync();
        await Stripe.DisposeAsync();
    }
}

public sealed class BillingApiTests(BillingApiFactory factory) : IClassFixture<BillingApiFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly Api _admin = factory.As(ApiFactory.PlatformAdmin);

    private async Task PricePlansAsync()
    {
        foreach (var (code, name, price) in new[] { ("business", "Business", BillingApiFactory.BusinessPrice), ("enterprise", "Enterprise", BillingApiFactory.EnterprisePrice) })
        {
            var plan = (await _admin.ExpectAsync(_admin.GetAsync("/api/plans"), HttpStatusCode.OK)).EnumerateArray().Single(p => p.GetProperty("code").GetString() == code);
            var limits = JsonSerializer.Deserialize<JsonObject>(plan.GetProperty("limits").GetRawText())!;
            limits["quota"] = JsonNode.Parse(plan.GetProperty("quota").GetRawText());
            await _admin.ExpectAsync(_admin.PutAsync($"/api/plans/{plan.GetProperty("id").GetString()}", new { name, limits, stripePriceId = price }), HttpStatusCode.OK);
        }
    }

    /// <summary>An owner whose organization went through checkout for <paramref name="price"/>: its Stripe customer and session.</summary>
    private async Task<(Api Owner, string Org, string Team, string Customer)> CheckedOutAsync(string plan = "business")
    {
        await PricePlansAsync();
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, team) = await owner.CreateOrgAsync();
        var answer = await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/billing/checkout", new { planId = plan }), HttpStatusCode.OK);
        var sessionId = new Uri(answer.GetProperty("url").GetString()!).Segments[^1];
        var customer = (string)factory.Stripe.CheckoutSessions[sessionId]["customer"]!;
        return (owner, org, team, customer);
    }

    private async Task<JsonElement> PostEventAsync(JsonObject stripeEvent, HttpStatusCode status = HttpStatusCode.OK, string? secret = null, DateTimeOffset? signedAt = null)
    {
        var payload = stripeEvent.ToJsonString();
        var signature = await StripeEvents.SignAsync(payload, secret ?? BillingApiFactory.WebhookSecret, signedAt);
        return await PostRawAsync(payload, signature, status);
    }

    private async Task<JsonElement> PostRawAsync(string payload, string? signature, HttpStatusCode status) =>
        await factory.Anonymous().ExpectAsync(SendWebhook(payload, signature), status);

    /// <summary>What Stripe sends: the raw event, its signature header, no cookie, no Origin.</summary>
    private Task<HttpResponseMessage> SendWebhook(string payload, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/stripe/webhook") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        if (signature is not null) request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        return factory.Anonymous().Http.SendAsync(request);
    }

    private static JsonObject Subscribed(string type, string subscription, string customer, string price, string status, DateTimeOffset created, DateTimeOffset at,
        bool cancelAtPeriodEnd = false) =>
        StripeEvents.Event(type, StripeEvents.Subscription(subscription, customer, price, status, created, created.AddDays(30), cancelAtPeriodEnd), at);

    private async Task<JsonElement> BillingAsync(Api owner, string org) => await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/billing"), HttpStatusCode.OK);

    private async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string> TemplateAsync(Api api, string team) =>
        (await api.ExpectAsync(api.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Static site").GetProperty("id").GetString()!;

    private static Task<HttpResponseMessage> DeployAsync(Api owner, string team, string template, string name) =>
        owner.PostAsync("/api/deployments", new { teamId = team, name, templateId = template, values = new Dictionary<string, string>() });

    [Fact]
    public async Task Checkout_makes_one_customer_per_organization_with_its_id_in_the_metadata_and_answers_the_session_url()
    {
        var (owner, org, _, customer) = await CheckedOutAsync();

        var again = await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/billing/checkout", new { planId = "enterprise" }), HttpStatusCode.OK);

        Assert.StartsWith(factory.Stripe.Address.ToString(), again.GetProperty("url").GetString());
        Assert.Equal(org, (string?)factory.Stripe.Customers[customer]["metadata"]!["organization_id"]);
        Assert.Single(factory.Stripe.Customers.Values, c => (string?)c["metadata"]!["organization_id"] == org);
        var sessions = factory.Stripe.CheckoutSessions.Values.Where(s => (string?)s["customer"] == customer).ToList();
        Assert.Equal([BillingApiFactory.BusinessPrice, BillingApiFactory.EnterprisePrice], sessions.Select(s => (string)s["price"]!).Order().ToArray());
        Assert.All(sessions, s => Assert.Equal($"http://localhost:8081/orgs/{org}/billing?checkout=success", (string?)s["success_url"]));
        Assert.All(sessions, s => Assert.Equal(org, (string?)s["subscription_metadata"]!["organization_id"]));
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM audit_entries WHERE organization_id = @org AND action = 'billing.customer_created'", ("org", Guid.Parse(org))));
        Assert.Equal(("Free", "active", true), ((await BillingAsync(owner, org)).GetProperty("planName").GetString(),
            (await BillingAsync(owner, org)).GetProperty("status").GetString(), (await BillingAsync(owner, org)).GetProperty("hasCustomer").GetBoolean()));   // until Stripe says paid
    }

    [Fact]
    public async Task Checkout_portal_and_invoices_are_for_owners_only_and_another_organization_answers_404()
    {
        var (owner, org, _, _) = await CheckedOutAsync();
        var admin = await factory.SignedUpAsync("orgadmin");
        await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/members", new { email = admin.Email, role = "org_admin" }), HttpStatusCode.Created);
        var stranger = factory.As(ApiFactory.NewEmail("stranger"));

        await ProblemAsync(admin.PostAsync($"/api/orgs/{org}/billing/checkout", new { planId = "business" }), HttpStatusCode.Forbidden);
        await ProblemAsync(admin.PostAsync($"/api/orgs/{org}/billing/portal", new { }), HttpStatusCode.Forbidden);
        await ProblemAsync(admin.GetAsync($"/api/orgs/{org}/billing/invoices"), HttpStatusCode.Forbidden);
        await ProblemAsync(stranger.PostAsync($"/api/orgs/{org}/billing/checkout", new { planId = "business" }), HttpStatusCode.NotFound);
        await ProblemAsync(stranger.PostAsync($"/api/orgs/{org}/billing/portal", new { }), HttpStatusCode.NotFound);
        await ProblemAsync(stranger.GetAsync($"/api/orgs/{org}/billing"), HttpStatusCode.NotFound);
        await ProblemAsync(stranger.GetAsync($"/api/orgs/{org}/billing/invoices"), HttpStatusCode.NotFound);

        var portal = await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/billing/portal", new { }), HttpStatusCode.OK);
        Assert.StartsWith(new Uri(factory.Stripe.Address, "/portal/").ToString(), portal.GetProperty("url").GetString());
        Assert.Equal("active", (await BillingAsync(admin, org)).GetProperty("status").GetString());   // members see the state
    }

    [Fact]
    public async Task A_plan_without_a_price_or_an_unknown_plan_is_refused_and_the_portal_needs_a_first_checkout()
    {
        await PricePlansAsync();
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, _) = await owner.CreateOrgAsync();

        await ProblemAsync(owner.PostAsync($"/api/orgs/{org}/billing/checkout", new { planId = "free" }), HttpStatusCode.Conflict, "billing.plan_not_for_sale");
        await ValidationProblemAsync(owner.PostAsync($"/api/orgs/{org}/billing/checkout", new { planId = "no-such-plan" }), "planId");
        await ValidationProblemAsync(owner.PostAsync($"/api/orgs/{org}/billing/checkout", new { }), "planId");
        await ProblemAsync(owner.PostAsync($"/api/orgs/{org}/billing/portal", new { }), HttpStatusCode.Conflict, "billing.no_customer");
        Assert.Equal(0, (await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/billing/invoices"), HttpStatusCode.OK)).GetArrayLength());
        Assert.DoesNotContain(factory.Stripe.Customers.Values, c => (string?)c["metadata"]!["organization_id"] == org);
    }

    [Fact]
    public async Task A_price_stripe_does_not_know_answers_503_billing_unavailable()
    {
        var code = $"gold-{Guid.NewGuid():N}"[..16];
        var plan = await _admin.ExpectAsync(_admin.PostAsync("/api/plans", new { code, name = "Gold", tier = "business" }), HttpStatusCode.Created);
        await _admin.ExpectAsync(_admin.PutAsync($"/api/plans/{plan.GetProperty("id").GetString()}", new { name = "Gold", stripePriceId = "price_" + code.Replace("-", "_") }), HttpStatusCode.OK);
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, _) = await owner.CreateOrgAsync();

        await ProblemAsync(owner.PostAsync($"/api/orgs/{org}/billing/checkout", new { planId = code }), HttpStatusCode.ServiceUnavailable, "billing.unavailable");
        Assert.DoesNotContain(factory.Logs.Lines, l => l.Contains(factory.Stripe.ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Admins_map_plans_to_prices_and_a_price_is_validated_unique_and_never_on_free()
    {
        await PricePlansAsync();
        var plans = await _admin.ExpectAsync(_admin.GetAsync("/api/plans"), HttpStatusCode.OK);
        Assert.Equal(BillingApiFactory.BusinessPrice, plans.EnumerateArray().Single(p => p.GetProperty("code").GetString() == "business").GetProperty("stripePriceId").GetString());
        var free = plans.EnumerateArray().Single(p => p.GetProperty("code").GetString() == "free").GetProperty("id").GetString();
        var enterprise = plans.EnumerateArray().Single(p => p.GetProperty("code").GetString() == "enterprise").GetProperty("id").GetString();

        await ValidationProblemAsync(_admin.PutAsync($"/api/plans/{free}", new { name = "Free", stripePriceId = "prod_wrong" }), "stripePriceId");
        await ProblemAsync(_admin.PutAsync($"/api/plans/{free}", new { name = "Free", stripePriceId = "price_free" }), HttpStatusCode.Conflict, "plan.free_not_for_sale");
        await ProblemAsync(_admin.PutAsync($"/api/plans/{enterprise}", new { name = "Enterprise", stripePriceId = BillingApiFactory.BusinessPrice }), HttpStatusCode.Conflict, "plan.price_taken");
    }

    [Fact]
    public async Task Checkout_completed_and_subscription_created_move_the_organization_to_the_plan_and_the_cluster_follows()
    {
        var (owner, org, team, customer) = await CheckedOutAsync();
        var template = await TemplateAsync(owner, team);
        await owner.ExpectAsync(DeployAsync(owner, team, template, "site"), HttpStatusCode.Created);
        var now = DateTimeOffset.UtcNow;

        await PostEventAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession("cs_1", customer, "sub_" + org[..8], Guid.Parse(org)), now));
        await PostEventAsync(Subscribed("customer.subscription.created", "sub_" + org[..8], customer, BillingApiFactory.BusinessPrice, "active", now, now));

        var billing = await BillingAsync(owner, org);
        Assert.Equal(("Business", "active", false), (billing.GetProperty("planName").GetString(), billing.GetProperty("status").GetString(), billing.GetProperty("cancelAtPeriodEnd").GetBoolean()));
        Assert.Equal(now.AddDays(30).ToUnixTimeSeconds(), billing.GetProperty("currentPeriodEnd").GetDateTimeOffset().ToUnixTimeSeconds());
        var usage = await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/usage"), HttpStatusCode.OK);
        Assert.Equal(("business", 5), (usage.GetProperty("plan").GetProperty("tier").GetString(), usage.GetProperty("deployments").GetProperty("limit").GetInt32()));
        var resource = await Eventually.WaitAsync(() => factory.Kube.Get(CustomResources.ApiVersion, "userdeployments", $"sandbox-{team}", "site") is { } r
            && (string?)r["spec"]!["tier"] == "business" ? r : null, "the UserDeployment on business", Patience);
        Assert.Equal(("8", 50), ((string?)resource["spec"]!["limits"]!["quota"]!["cpu"], (int)resource["spec"]!["limits"]!["quota"]!["pods"]!));
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM audit_entries WHERE organization_id = @org AND action = 'subscription.plan_changed'", ("org", Guid.Parse(org))));
    }

    [Fact]
    public async Task The_same_event_twice_is_applied_once()
    {
        var (owner, org, _, customer) = await CheckedOutAsync();
        var now = DateTimeOffset.UtcNow;
        var created = Subscribed("customer.subscription.created", "sub_twice" + org[..6], customer, BillingApiFactory.BusinessPrice, "active", now, now);
        var failed = StripeEvents.Event("invoice.payment_failed", StripeEvents.Invoice("in_twice", customer, "sub_twice" + org[..6], "open", 4900, now), now.AddSeconds(5));

        Assert.Equal("applied", (await PostEventAsync(created)).GetProperty("outcome").GetString());
        Assert.Equal("applied", (await PostEventAsync(failed)).GetProperty("outcome").GetString());
        var paid = StripeEvents.Event("invoice.paid", StripeEvents.Invoice("in_twice", customer, "sub_twice" + org[..6], "paid", 4900, now), now.AddSeconds(10));
        await PostEventAsync(paid);
        // Redelivered: were it applied again, the failure would make the subscription past due once more.
        Assert.Equal("duplicate", (await PostEventAsync(failed)).GetProperty("outcome").GetString());
        Assert.Equal("duplicate", (await PostEventAsync(created)).GetProperty("outcome").GetString());

        Assert.Equal("active", (await BillingAsync(owner, org)).GetProperty("status").GetString());
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM stripe_events WHERE id = @id", ("id", (string)failed["id"]!)));
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM audit_entries WHERE organization_id = @org AND action = 'subscription.plan_changed'", ("org", Guid.Parse(org))));
    }

    [Fact]
    public async Task The_same_event_delivered_five_times_at_once_is_applied_once()
    {
        var (owner, org, _, customer) = await CheckedOutAsync();
        var now = DateTimeOffset.UtcNow;
        var payload = Subscribed("customer.subscription.created", "sub_race" + org[..6], customer, BillingApiFactory.BusinessPrice, "active", now, now).ToJsonString();
        var signature = await StripeEvents.SignAsync(payload, BillingApiFactory.WebhookSecret);

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => PostRawAsync(payload, signature, HttpStatusCode.OK)));

        Assert.Equal(["applied", "duplicate", "duplicate", "duplicate", "duplicate"], answers.Select(a => a.GetProperty("outcome").GetString()!).Order().ToArray());
        Assert.Equal("Business", (await BillingAsync(owner, org)).GetProperty("planName").GetString());
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM audit_entries WHERE organization_id = @org AND action = 'subscription.plan_changed'", ("org", Guid.Parse(org))));
    }

    [Fact]
    public async Task Updated_arriving_before_created_leaves_the_newer_state()
    {
        var (owner, org, _, customer) = await CheckedOutAsync();
        var now = DateTimeOffset.UtcNow;
        var id = "sub_order" + org[..6];

        await PostEventAsync(Subscribed("customer.subscription.updated", id, customer, BillingApiFactory.EnterprisePrice, "active", now, now.AddSeconds(30), cancelAtPeriodEnd: true));
        await PostEventAsync(Subscribed("customer.subscription.created", id, customer, BillingApiFactory.BusinessPrice, "active", now, now));

        var billing = await BillingAsync(owner, org);
        Assert.Equal(("Enterprise", true), (billing.GetProperty("planName").GetString(), billing.GetProperty("cancelAtPeriodEnd").GetBoolean()));

        // An event of an older subscription (created before this one) no longer counts either.
        await PostEventAsync(Subscribed("customer.subscription.deleted", "sub_older" + org[..6], customer, BillingApiFactory.BusinessPrice, "canceled", now.AddDays(-60), now.AddSeconds(40)));
        Assert.Equal(("Enterprise", "active"), ((await BillingAsync(owner, org)).GetProperty("planName").GetString(), (await BillingAsync(owner, org)).GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_forged_stale_tampered_or_missing_signature_answers_400_and_changes_nothing()
    {
        var (owner, org, _, customer) = await CheckedOutAsync();
        var now = DateTimeOffset.UtcNow;
        var stripeEvent = Subscribed("customer.subscription.created", "sub_forged" + org[..6], customer, BillingApiFactory.EnterprisePrice, "active", now, now);
        var payload = stripeEvent.ToJsonString();
        var good = await StripeEvents.SignAsync(payload, BillingApiFactory.WebhookSecret);

        await ProblemAsync(SendWebhook(payload, await StripeEvents.SignAsync(payload, "whsec_someone_else")), HttpStatusCode.BadRequest, "billing.webhook_signature");
        await ProblemAsync(SendWebhook(payload, await StripeEvents.SignAsync(payload, BillingApiFactory.WebhookSecret, now.AddSeconds(-301))), HttpStatusCode.BadRequest, "billing.webhook_signature");
        await ProblemAsync(SendWebhook(payload.Replace("enterprise", "business"), good), HttpStatusCode.BadRequest, "billing.webhook_signature");
        await ProblemAsync(SendWebhook(payload, null), HttpStatusCode.BadRequest, "billing.webhook_signature");
        await ProblemAsync(SendWebhook(payload, "t=1,v1=00"), HttpStatusCode.BadRequest, "billing.webhook_signature");

        Assert.Equal("Free", (await BillingAsync(owner, org)).GetProperty("planName").GetString());
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM stripe_events WHERE id = @id", ("id", (string)stripeEvent["id"]!)));
        await PostRawAsync(payload, good, HttpStatusCode.OK);   // the genuine one still applies
        Assert.Equal("Enterprise", (await BillingAsync(owner, org)).GetProperty("planName").GetString());
    }

    [Fact]
    public async Task A_webhook_body_over_64_KiB_is_refused()
    {
        var payload = StripeEvents.Event("invoice.created", new JsonObject { ["id"] = "in_big", ["object"] = "invoice", ["description"] = new string('x', 70_000) }, DateTimeOffset.UtcNow).ToJsonString();

        await ProblemAsync(SendWebhook(payload, await StripeEvents.SignAsync(payload, BillingApiFactory.WebhookSecret)), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Payment_failure_makes_the_subscription_past_due_with_a_grace_period_and_payment_ends_it()
    {
        var (owner, org, _, customer) = await CheckedOutAsync();
        var now = DateTimeOffset.UtcNow;
        var id = "sub_due" + org[..6];
        await PostEventAsync(Subscribed("customer.subscription.created", id, customer, BillingApiFactory.BusinessPrice, "active", now, now));

        await PostEventAsync(StripeEvents.Event("invoice.payment_failed", StripeEvents.Invoice("in_due1", customer, id, "open", 4900, now), now.AddSeconds(1)));

        var due = await BillingAsync(owner, org);
        Assert.Equal(("past_due", "Business"), (due.GetProperty("status").GetString(), due.GetProperty("planName").GetString()));
        Assert.Equal(now.AddSeconds(1).ToUnixTimeSeconds(), due.GetProperty("pastDueSince").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal(TimeSpan.FromDays(7), due.GetProperty("graceEndsAt").GetDateTimeOffset() - due.GetProperty("pastDueSince").GetDateTimeOffset());

        await PostEventAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice("in_due1", customer, id, "paid", 4900, now), now.AddSeconds(2)));
        var paid = await BillingAsync(owner, org);
        Assert.Equal(("active", JsonValueKind.Null), (paid.GetProperty("status").GetString(), paid.GetProperty("graceEndsAt").ValueKind));
        Assert.Equal(2, await ScalarAsync("SELECT count(*) FROM audit_entries WHERE organization_id = @org AND action = 'subscription.status_changed'", ("org", Guid.Parse(org))));
    }

    [Fact]
    public async Task Past_due_beyond_the_grace_period_gives_new_creations_the_free_limits_and_keeps_what_exists()
    {
        var (owner, org, team, customer) = await CheckedOutAsync();
        var template = await TemplateAsync(owner, team);
        var now = DateTimeOffset.UtcNow;
        var id = "sub_grace" + org[..6];
        await PostEventAsync(Subscribed("customer.subscription.created", id, customer, BillingApiFactory.BusinessPrice, "active", now.AddDays(-40), now.AddDays(-9)));
        await owner.ExpectAsync(DeployAsync(owner, team, template, "one"), HttpStatusCode.Created);

        // Past due for a day: within the grace period the plan's limits hold.
        await PostEventAsync(Subscribed("customer.subscription.updated", id, customer, BillingApiFactory.BusinessPrice, "past_due", now.AddDays(-40), now.AddDays(-1)));
        await owner.ExpectAsync(DeployAsync(owner, team, template, "two"), HttpStatusCode.Created);
        Assert.Equal("past_due", (await BillingAsync(owner, org)).GetProperty("status").GetString());

        // The same subscription, past due for eight days (an older organization): Free's one deployment for new creations.
        var (late, lateOrg, lateTeam, lateCustomer) = await CheckedOutAsync();
        var lateId = "sub_late" + lateOrg[..6];
        await PostEventAsync(Subscribed("customer.subscription.created", lateId, lateCustomer, BillingApiFactory.BusinessPrice, "active", now.AddDays(-40), now.AddDays(-20)));
        await late.ExpectAsync(DeployAsync(late, lateTeam, template, "one"), HttpStatusCode.Created);
        await PostEventAsync(Subscribed("customer.subscription.updated", lateId, lateCustomer, BillingApiFactory.BusinessPrice, "past_due", now.AddDays(-40), now.AddDays(-8)));

        await ProblemAsync(DeployAsync(late, lateTeam, template, "two"), HttpStatusCode.Conflict, "tier.deployment_limit");
        Assert.Single((await late.ExpectAsync(late.GetAsync($"/api/deployments?teamId={lateTeam}"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Equal("Business", (await BillingAsync(late, lateOrg)).GetProperty("planName").GetString());
    }

    [Fact]
    public async Task Cancellation_moves_to_free_deletes_nothing_and_refuses_creations_beyond_the_limit()
    {
        var (owner, org, team, customer) = await CheckedOutAsync();
        var template = await TemplateAsync(owner, team);
        var now = DateTimeOffset.UtcNow;
        var id = "sub_cancel" + org[..6];
        await PostEventAsync(Subscribed("customer.subscription.created", id, customer, BillingApiFactory.BusinessPrice, "active", now, now));
        foreach (var name in new[] { "one", "two", "three" }) await owner.ExpectAsync(DeployAsync(owner, team, template, name), HttpStatusCode.Created);

        await PostEventAsync(Subscribed("customer.subscription.deleted", id, customer, BillingApiFactory.BusinessPrice, "canceled", now, now.AddSeconds(5)));

        var billing = await BillingAsync(owner, org);
        Assert.Equal(("Free", "canceled"), (billing.GetProperty("planName").GetString(), billing.GetProperty("status").GetString()));
        var usage = await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/usage"), HttpStatusCode.OK);
        Assert.Equal((3, 1), (usage.GetProperty("deployments").GetProperty("used").GetInt32(), usage.GetProperty("deployments").GetProperty("limit").GetInt32()));
        Assert.Equal(3, (await owner.ExpectAsync(owner.GetAsync($"/api/deployments?teamId={team}"), HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        await ProblemAsync(DeployAsync(owner, team, template, "four"), HttpStatusCode.Conflict, "tier.deployment_limit");
        await Eventually.WaitAsync(() => factory.Kube.Get(CustomResources.ApiVersion, "userdeployments", $"sandbox-{team}", "three") is { } r
            && (string?)r["spec"]!["tier"] == "free" ? r : null, "the UserDeployment on free", Patience);

        // A late "updated" of the canceled subscription does not revive it.
        await PostEventAsync(Subscribed("customer.subscription.updated", id, customer, BillingApiFactory.BusinessPrice, "active", now, now.AddSeconds(6)));
        Assert.Equal("canceled", (await BillingAsync(owner, org)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Checkout_completed_links_a_customer_made_elsewhere_by_the_organization_in_its_metadata_and_invoices_are_listed()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, _) = await owner.CreateOrgAsync();
        factory.Stripe.Customers["cus_elsewhere" + org[..6]] = new JsonObject { ["id"] = "cus_elsewhere" + org[..6], ["metadata"] = new JsonObject() };
        var customer = "cus_elsewhere" + org[..6];
        factory.Stripe.Invoices.Enqueue(JsonNode.Parse(StripeEvents.Invoice("in_old" + org[..6], customer, "sub_x", "paid", 4900, DateTimeOffset.UtcNow.AddDays(-31)).ToJsonString())!.AsObject());
        factory.Stripe.Invoices.Enqueue(JsonNode.Parse(StripeEvents.Invoice("in_new" + org[..6], customer, "sub_x", "open", 4900, DateTimeOffset.UtcNow.AddDays(-1)).ToJsonString())!.AsObject());

        await PostEventAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession("cs_elsewhere", customer, "sub_x", Guid.Parse(org)), DateTimeOffset.UtcNow));

        Assert.True((await BillingAsync(owner, org)).GetProperty("hasCustomer").GetBoolean());
        var invoices = (await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/billing/invoices"), HttpStatusCode.OK)).EnumerateArray().ToList();
        Assert.Equal(["in_new" + org[..6], "in_old" + org[..6]], invoices.Select(i => i.GetProperty("id").GetString()!).ToArray());
        Assert.Equal(("open", 4900, $"https://invoice.stripe.test/in_new{org[..6]}"),
            (invoices[0].GetProperty("status").GetString(), invoices[0].GetProperty("amountDue").GetInt32(), invoices[0].GetProperty("hostedUrl").GetString()));
    }

    [Fact]
    public async Task Every_stripe_request_carries_the_secret_key_and_an_idempotency_key()
    {
        await CheckedOutAsync();

        Assert.All(factory.Stripe.Posts, p => Assert.False(string.IsNullOrEmpty(p.IdempotencyKey)));
        Assert.Contains(factory.Stripe.Posts, p => p.Path == "/v1/customers");
    }
}

/// <summary>
/// The server with BILLING_ENABLED=true and no Stripe behind it (calls would go to a closed port): the whole API, as the
/// OpenAPI document describes it (WebUiClientTests).
/// </summary>
public sealed class BillingOnApiFactory : ApiFactory
{
    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["BILLING_ENABLED"] = "true";
            settings["STRIPE_API_KEY"] = "sk_test_unused";
            settings["STRIPE_WEBHOOK_SECRET"] = BillingApiFactory.WebhookSecret;
            settings["STRIPE_API_BASE"] = "http://127.0.0.1:9";
            return settings;
        }
    }
}

/// <summary>BILLING_ENABLED=false (the default): no billing route exists.</summary>
public sealed class BillingDisabledTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Every_billing_route_answers_404()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, _) = await owner.CreateOrgAsync();

        await ProblemAsync(owner.GetAsync($"/api/orgs/{org}/billing"), HttpStatusCode.NotFound);
        await ProblemAsync(owner.PostAsync($"/api/orgs/{org}/billing/checkout", new { planId = "business" }), HttpStatusCode.NotFound);
        await ProblemAsync(owner.PostAsync($"/api/orgs/{org}/billing/portal", new { }), HttpStatusCode.NotFound);
        await ProblemAsync(owner.GetAsync($"/api/orgs/{org}/billing/invoices"), HttpStatusCode.NotFound);
        await ProblemAsync(factory.Anonymous().PostAsync("/api/stripe/webhook", new { id = "evt_1" }), HttpStatusCode.NotFound);
    }
}
