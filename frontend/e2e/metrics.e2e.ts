import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextFor, launch, shot } from "./browser";
import { startCluster, type RunningCluster } from "./cluster";

// With a cluster whose metrics server reports the pods' usage (tests/ClusterHost's FakeKubelet): the Metrics tab draws
// its charts from the samples the server streams.
describe("live metrics of a deployment, end to end in Chromium", () => {
  let cluster: RunningCluster;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    cluster = await startCluster();
    browser = await launch();
    page = await (await contextFor(browser, `metrics-${Date.now()}@e2e.test`, 1280, cluster.baseUrl)).newPage();
    page.on("pageerror", (error) => { throw error; });
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  /** How many points the first line of a chart goes through (its path's segments + 1). */
  const pointsOf = (chart: string) => page.getByRole("figure", { name: `${chart} over the last 15 minutes` })
    .locator("path.recharts-line-curve").first().getAttribute("d", { timeout: 1000 })
    .then((d) => (d?.match(/[LC]/g)?.length ?? 0) + 1, () => 0);

  it("draws CPU, memory and replica charts from the streamed samples", async () => {
    await page.goto("/");
    await page.waitForURL(/\/orgs\/new$/);
    await page.getByLabel("Organization name").fill(`Metrics ${Date.now()}`);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);
    await page.getByRole("link", { name: "Deploy", exact: true }).click();
    await page.getByRole("button", { name: /Static site/ }).click();
    await page.getByLabel("Name", { exact: true }).fill("charts");
    await page.getByRole("button", { name: "Review" }).click();
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.waitForURL(/\/deployments\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByText("All services are ready").first().isVisible(), { timeout: 30_000 }).toBe(true);

    await page.getByRole("tab", { name: "metrics" }).click();

    const now = page.getByRole("table", { name: "Now" });
    await expect.poll(async () => (await now.getByRole("row").filter({ hasText: "web" }).allTextContents()).join(""), { timeout: 30_000 }).toMatch(/web1 \/ 10\d+\.\d m\d+\.\d MiB/);
    await expect.poll(() => pointsOf("CPU"), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);   // a sample every 5 s
    expect(await pointsOf("Memory")).toBeGreaterThanOrEqual(3);
    expect(await pointsOf("Replicas")).toBeGreaterThanOrEqual(3);
    expect(await page.getByText("not available").count()).toBe(0);
    await shot(page, "21-deployment-metrics");
  });
});
