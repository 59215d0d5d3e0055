import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityProblems, contextFor, launch, shot } from "./browser";

// An owner sets an organization secret, deploys, and sees on the deployment's Secrets tab where each key comes from;
// a service secret is added there. No value is ever shown again.
describe("secrets, end to end in Chromium", () => {
  let browser: Browser;
  let page: Page;
  const value = `e2e-value-${Date.now()}`;

  beforeAll(async () => {
    browser = await launch();
    page = await (await contextFor(browser, `secrets-${Date.now()}@e2e.test`)).newPage();
    page.on("pageerror", (error) => { throw error; });
  });
  afterAll(async () => { await browser?.close(); });

  it("sets an organization secret on the Secrets page and lists only its key", async () => {
    await page.goto("/");
    await page.waitForURL(/\/orgs\/new$/);
    await page.getByLabel("Organization name").fill(`Secrets ${Date.now()}`);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);

    await page.getByRole("link", { name: "Secrets", exact: true }).click();
    await page.waitForURL(/\/secrets$/);
    await expect.poll(() => page.getByText("No secrets set here yet").isVisible()).toBe(true);
    await page.getByLabel("Key").fill("API_TOKEN");
    await page.getByLabel("Value").fill(value);
    await page.getByRole("button", { name: "Save" }).click();
    const row = page.getByRole("row", { name: /API_TOKEN/ });
    await expect.poll(() => row.textContent()).toContain("organization");
    expect(await page.getByLabel("Value").inputValue()).toBe("");
    expect(await page.content()).not.toContain(value);
    await shot(page, "30-organization-secrets");
    expect.soft(await accessibilityProblems(page), "30-organization-secrets").toEqual([]);
  });

  it("shows the effective set on the deployment's Secrets tab and adds a service secret", async () => {
    await page.getByRole("link", { name: "Deployments", exact: true }).click();
    await page.getByRole("link", { name: "Deploy", exact: true }).click();
    await page.getByRole("button", { name: /Static site/ }).click();
    await page.getByLabel("Name", { exact: true }).fill("vaulted");
    await page.getByRole("button", { name: "Review" }).click();
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.waitForURL(/\/deployments\/[0-9a-f-]{36}$/);

    await page.getByRole("tab", { name: /secrets/i }).click();
    const effective = page.getByRole("table", { name: "Effective secrets" });
    await expect.poll(() => effective.textContent()).toContain("API_TOKEN");
    expect(await effective.textContent()).toContain("organization");

    await page.getByLabel("Key").fill("WEB_ONLY");
    await page.getByLabel("Value").fill(value);
    await page.getByLabel("For").selectOption("web");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => effective.textContent()).toContain("WEB_ONLY");
    expect(await page.getByRole("row", { name: /WEB_ONLY/ }).first().textContent()).toContain("service");
    expect(await page.content()).not.toContain(value);
    await shot(page, "31-deployment-secrets");
    expect.soft(await accessibilityProblems(page), "31-deployment-secrets").toEqual([]);
  });
});
