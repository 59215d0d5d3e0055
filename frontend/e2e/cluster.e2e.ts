import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextFor, launch, shot } from "./browser";
import { startCluster, type RunningCluster } from "./cluster";

// With a cluster: the server's sync writes the UserDeployment, the operator (as it ships) renders and applies it, and
// the status it reports reaches the page.
describe("a deployment on a cluster, end to end in Chromium", () => {
  let cluster: RunningCluster;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    cluster = await startCluster();
    browser = await launch();
    page = await (await contextFor(browser, `cluster-${Date.now()}@e2e.test`, 1280, cluster.baseUrl)).newPage();
    page.on("pageerror", (error) => { throw error; });
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  it("deploys a template from the UI and sees it Running as the operator reports it", async () => {
    await page.goto("/");
    await page.waitForURL(/\/orgs\/new$/);
    await page.getByLabel("Organization name").fill(`Cluster ${Date.now()}`);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);
    await page.getByRole("link", { name: "Deploy", exact: true }).click();
    await page.getByRole("button", { name: /Static site/ }).click();
    await page.getByLabel("Name", { exact: true }).fill("homepage");
    await page.getByRole("button", { name: "Review" }).click();
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.waitForURL(/\/deployments\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByText("All services are ready").first().isVisible(), { timeout: 30_000 }).toBe(true);   // the operator's report
    expect(await page.getByRole("row").filter({ hasText: "web" }).textContent()).toContain("1 / 1");
    await shot(page, "20-deployment-running-on-cluster");
  });
});
