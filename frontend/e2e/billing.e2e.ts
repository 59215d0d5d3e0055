import type { Browser, BrowserContext, Page } from "playwright-core";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityProblems, launch, shot } from "./browser";
import { startServer, type RunningServer } from "./server";
import { startStripeApi } from "./stripe-api.mjs";

// Upgrading through Stripe, as an owner meets it: the server with BILLING_ENABLED=true and Stripe.net pointed at a
// local Stripe API (stripe-api.mjs); the webhook events are signed by Stripe's own library, as Stripe signs them.
describe("upgrading a plan through Stripe Checkout, in Chromium", () => {
  const apiKey = "sk_test_e2e_billing";
  const webhookSecret = "whsec_e2e_billing_secret";
  const price = `price_e2e_business_${Date.now()}`;
  const owner = `billing-owner-${Date.now()}@e2e.test`;
  const admin = "dev@localhost";
  let stripeApi: Awaited<ReturnType<typeof startStripeApi>>;
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  /** The API as a user (X-Dev-User, DEV_MODE): JSON in, JSON (or text) out, failing on an unexpected status. */
  const call = async (as: string, method: string, path: string, body?: unknown, expected = 200) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method, headers: { "X-Dev-User": as, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    expect(response.status, `${method} ${path}: ${text}`).toBe(expected);
    return response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  };

  const postEvent = async (type: string, object: Record<string, unknown>) => {
    const payload = JSON.stringify({ id: `evt_${Math.random().toString(36).slice(2)}`, object: "event", api_version: "2026-10-28.endive",
      created: Math.floor(Date.now() / 1000), data: { object }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type });
    const signature = new Stripe(apiKey).webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
    const response = await fetch(`${server.baseUrl}/api/stripe/webhook`, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload });
    expect(response.status, await response.clone().text()).toBe(200);
  };

  beforeAll(async () => {
    stripeApi = await startStripeApi({ apiKey, prices: [price] });
    server = await startServer({
      DEV_MODE: "true", PLATFORM_ADMINS: admin, BILLING_ENABLED: "true", STRIPE_API_KEY: apiKey, STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_BASE: stripeApi.apiBase,
    }, "server-billing");
    browser = await launch();
    context = await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1280, height: 860 }, extraHTTPHeaders: { "X-Dev-User": owner } });
    page = await context.newPage();
    page.on("pageerror", (error) => { throw error; });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await stripeApi?.stop();
  });

  it("owner clicks Upgrade, pays at Checkout, and the signed events move the organization and its deployments to the plan", async () => {
    const plans = await call(admin, "GET", "/api/plans");
    const business = plans.find((p: { code: string }) => p.code === "business");
    await call(admin, "PUT", `/api/plans/${business.id}`, { name: business.name, limits: { ...business.limits, quota: business.quota }, stripePriceId: price });
    const org = await call(owner, "POST", "/api/orgs", { name: `Billing ${Date.now()}`, slug: `billing-${Date.now()}` }, 201);
    const template = (await call(owner, "GET", `/api/templates?teamId=${org.defaultTeamId}&visibility=system`)).items
      .find((t: { name: string }) => t.name === "Static site");
    const deployment = await call(owner, "POST", "/api/deployments", { teamId: org.defaultTeamId, name: "shop", templateId: template.id, values: {} }, 201);
    expect(await call(owner, "GET", `/api/deployments/${deployment.id}/manifests`)).toMatch(/pods: "?5"?\n/);

    await page.goto(`/orgs/${org.id}/usage`);
    await page.getByRole("link", { name: "Billing" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Upgrade to Business" }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText("No invoices yet.").isVisible()).toBe(true);
    await shot(page, "20-billing-free");
    expect.soft(await accessibilityProblems(page), "billing page").toEqual([]);
    await page.getByRole("button", { name: "Upgrade to Business" }).click();
    await page.waitForURL(new RegExp(`^${stripeApi.apiBase}/checkout/cs_`));
    expect(await page.getByRole("heading").textContent()).toContain("Stripe test page");

    const session = stripeApi.sessions.get(new URL(page.url()).pathname.split("/").pop()!)!;
    expect((stripeApi.customers.get(session.customer)!.metadata as Record<string, string>).organization_id).toBe(org.id);
    const subscription = `sub_e2e_${Date.now()}`;
    const now = Math.floor(Date.now() / 1000);
    await postEvent("checkout.session.completed", { id: session.id, object: "checkout.session", mode: "subscription", status: "complete",
      customer: session.customer, subscription, client_reference_id: org.id, metadata: { organization_id: org.id } });
    await postEvent("customer.subscription.created", { id: subscription, object: "subscription", customer: session.customer, status: "active",
      created: now, cancel_at_period_end: false, metadata: { organization_id: org.id },
      items: { object: "list", data: [{ id: "si_e2e", object: "subscription_item", current_period_start: now, current_period_end: now + 30 * 86400,
        price: { id: price, object: "price" }, quantity: 1 }] } });

    await page.goto(`/orgs/${org.id}/billing?checkout=success`);
    await expect.poll(() => page.getByText("Thank you").isVisible()).toBe(true);
    await expect.poll(() => page.getByText("Renews on").isVisible()).toBe(true);
    await expect.poll(() => page.getByText("No invoices yet.").isVisible()).toBe(true);
    await shot(page, "21-billing-business");
    await page.getByRole("link", { name: "Usage" }).click();
    await expect.poll(() => page.getByText(/Plan Business/).isVisible()).toBe(true);
    expect(await page.getByRole("progressbar", { name: "Deployments" }).getAttribute("aria-valuemax")).toBe("5");
    // The desired state of the deployment follows: the Business quota in its rendered manifests.
    expect(await call(owner, "GET", `/api/deployments/${deployment.id}/manifests`)).toMatch(/pods: "?50"?\n/);
  });
});
