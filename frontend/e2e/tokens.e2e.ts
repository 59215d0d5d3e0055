import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { accessibilityProblems, contextFor, launch, shot } from "./browser";

// An integrator's path: make a token on the Account page, read it from the copy-once dialog, call the API with it
// from outside the browser, then revoke it there.
describe("API tokens, end to end in Chromium", () => {
  let browser: Browser;
  let page: Page;
  const email = `integrator-${Date.now()}@e2e.test`;
  let secret = "";

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${inject("baseUrl")}${path}`, { ...init, headers: { ...init.headers, Authorization: `Bearer ${secret}` } });

  beforeAll(async () => {
    browser = await launch();
    page = await (await contextFor(browser, email)).newPage();
    page.on("pageerror", (error) => { throw error; });
  });
  afterAll(async () => { await browser?.close(); });

  it("creates a read token on the Account page and shows its secret once", async () => {
    await page.goto("/");
    await page.waitForURL(/\/orgs\/new$/);
    await page.getByLabel("Organization name").fill(`Tokens ${Date.now()}`);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);

    await page.getByRole("button", { name: /Account menu of/ }).click();
    await page.getByRole("menuitem", { name: "Sessions and API tokens" }).click();
    await page.waitForURL(/\/account$/);
    await expect.poll(() => page.getByText("You have no API tokens.").isVisible()).toBe(true);

    await page.getByRole("button", { name: "New token" }).click();
    await page.getByLabel("Name").fill("nightly report");
    await page.getByLabel("Expires in").selectOption({ label: "30 days" });
    await page.getByRole("button", { name: "Create token" }).click();
    const dialog = page.getByRole("dialog", { name: "Token nightly report created" });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    secret = await dialog.getByLabel("Your API token").inputValue();
    expect(secret).toMatch(/^cs_[A-Za-z0-9_-]{43}$/);
    await shot(page, "20-token-created");
    expect.soft(await accessibilityProblems(page), "20-token-created").toEqual([]);

    await dialog.getByRole("button", { name: "I have stored it" }).click();
    const row = page.getByRole("row", { name: /nightly report/ });
    await expect.poll(() => row.textContent()).toContain(`${secret.slice(0, 9)}…`);
    expect(await page.content()).not.toContain(secret);   // the list never shows it again
    await shot(page, "21-account");
    expect.soft(await accessibilityProblems(page), "21-account").toEqual([]);
  });

  it("reads the API with the token from outside the browser, and cannot write with it", async () => {
    const me = await call("/api/me");
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(email);
    const orgs = (await (await call("/api/orgs")).json()) as { items: unknown[] };
    expect(orgs.items).toHaveLength(1);

    const write = await call("/api/orgs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "Nope" }) });
    expect(write.status).toBe(403);
    expect(((await write.json()) as { code: string }).code).toBe("auth.insufficient_scope");
  });

  it("revokes the token on the Account page, after which the API refuses it", async () => {
    await page.getByRole("button", { name: "Revoke nightly report" }).click();
    await page.getByRole("dialog", { name: "Revoke nightly report?" }).getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => page.getByText("You have no API tokens.").isVisible()).toBe(true);

    const refused = await call("/api/me");
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect(((await refused.json()) as { code: string }).code).toBe("auth.invalid_token");
  });
});
