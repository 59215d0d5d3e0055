import type { Browser, BrowserContext, Page } from "playwright-core";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityProblems, launch, shot } from "./browser";
import { startProvider } from "./oidc-provider.mjs";
import { startServer, type RunningServer } from "./server";

// Production sign-in, as a user meets it: the server outside DEV_MODE, pointed by OIDC_ISSUER at a real OpenID Connect
// provider (oauth2-mock-server on a loopback port), in Chromium.
describe("sign-in through an OpenID Connect provider, in Chromium", () => {
  const clientId = "cleanscheduler-e2e";
  const email = `oidc-${Date.now()}@e2e.test`;
  let provider: Awaited<ReturnType<typeof startProvider>>;
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const clientSecret = randomBytes(16).toString("hex");
    provider = await startProvider({ clientId, clientSecret, email });
    server = await startServer((baseUrl) => ({
      DEV_MODE: "false", OIDC_ISSUER: provider.issuer, GOOGLE_CLIENT_ID: clientId, GOOGLE_CLIENT_SECRET: clientSecret,
      GOOGLE_REDIRECT_URL: `${baseUrl}/oauth2/callback`, SESSION_BACKEND: "memory", COOKIE_SECURE: "false",
    }), "server-signin");
    browser = await launch();
    context = await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.on("pageerror", (error) => { throw error; });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await provider?.stop();
  });

  it("signs in from the sign-in page through the provider and reaches the dashboard", async () => {
    await page.goto("/");
    await page.waitForURL(/\/signin\?next=/);
    await page.getByRole("link", { name: "Continue with Google" }).click();
    await page.waitForURL(/\/orgs\/new$/);   // a new user: first an organization
    await page.getByLabel("Organization name").fill(`Signed in ${Date.now()}`);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByText("Nothing deployed yet").isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: `Account menu of ${email}` }).isVisible()).toBe(true);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === "session_id")?.httpOnly).toBe(true);
    expect(cookies.filter((c) => c.name.startsWith("oauth_state"))).toEqual([]);
  });

  it("creates a write token on the Account page and calls the API with it from outside the browser", async () => {
    await page.getByRole("button", { name: `Account menu of ${email}` }).click();
    await page.getByRole("menuitem", { name: "Sessions and API tokens" }).click();
    await page.waitForURL(/\/account$/);
    await page.getByRole("button", { name: "New token" }).click();
    await page.getByLabel("Name").fill("deploy script");
    await page.getByLabel("Scope").selectOption("write");
    await page.getByRole("button", { name: "Create token" }).click();
    const dialog = page.getByRole("dialog", { name: "Token deploy script created" });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const token = await dialog.getByLabel("Your API token").inputValue();
    expect(token).toMatch(/^cs_[A-Za-z0-9_-]{43}$/);
    await dialog.getByRole("button", { name: "I have stored it" }).click();

    // as curl would: no cookie, only the bearer token
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.baseUrl}${path}`, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } });
    const me = await api("/api/me");
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(email);
    const created = await api("/api/orgs", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: `By token ${Date.now()}` }),
    });
    expect(created.status).toBe(201);
    expect(((await (await api("/api/orgs")).json()) as { items: unknown[] }).items).toHaveLength(2);
    expect((await fetch(`${server.baseUrl}/api/me`)).status).toBe(401);   // and without it, nothing
  });

  it("shows why the provider's answer was refused, and signs in nobody", async () => {
    const other = await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1280, height: 860 } });
    const refused = await other.newPage();
    // the provider answers with an unverified e-mail for this one sign-in (oidc-provider.mjs, test_scenario): added to
    // the authorize address the server redirects to (Playwright intercepts the first request of a redirect chain only)
    await refused.route((url) => url.pathname === "/auth/login", async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      const authorize = new URL(response.headers()["location"]);
      authorize.searchParams.set("test_scenario", "unverified");
      await route.fulfill({ response, headers: { ...response.headers(), location: authorize.toString() } });
    });
    await refused.goto("/signin");
    await refused.getByRole("link", { name: "Continue with Google" }).click();
    await refused.waitForURL(/\/signin\?error=email_unverified$/);
    await expect.poll(() => refused.getByRole("alert").textContent()).toContain("Your e-mail address is not verified with the provider");
    await shot(refused, "17-sign-in-refused");
    expect(await accessibilityProblems(refused)).toEqual([]);
    expect((await other.cookies()).find((c) => c.name === "session_id")).toBeUndefined();
    await other.close();
  });
});
