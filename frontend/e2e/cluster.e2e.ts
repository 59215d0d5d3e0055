import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextFor, launch, shot } from "./browser";
import { startCluster, type RunningCluster } from "./cluster";

// With a cluster (frontend/e2e/cluster.ts): the server's sync writes the UserDeployment and AgentTask resources, the
// operator (as it ships) renders and runs them, tests/ClusterHost's stand-ins (a kubelet whose pods report usage to a
// metrics server, a Job controller whose tasks print their input as output) play the nodes, and what the operator
// reports reaches the page. One story in order: the steps share the organization and the deployment.
describe("deployments and tasks on a cluster, end to end in Chromium", () => {
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

  /** How many points the first line of a chart goes through (its path's segments + 1). */
  const pointsOf = (chart: string) => page.getByRole("figure", { name: `${chart} over the last 15 minutes` })
    .locator("path.recharts-line-curve").first().getAttribute("d", { timeout: 1000 })
    .then((d) => (d?.match(/[LC]/g)?.length ?? 0) + 1, () => 0);

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
    expect(await page.getByRole("row").filter({ hasText: "web" }).first().textContent()).toContain("1 / 1");
    await shot(page, "20-deployment-running-on-cluster");
  });

  it("draws CPU, memory and replica charts from the streamed samples", async () => {
    await page.getByRole("tab", { name: "metrics" }).click();

    const now = page.getByRole("table", { name: "Now" });
    await expect.poll(async () => (await now.getByRole("row").filter({ hasText: "web" }).allTextContents()).join(""), { timeout: 30_000 }).toMatch(/web1 \/ 10\d+\.\d m\d+\.\d MiB/);
    await expect.poll(() => pointsOf("CPU"), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);   // a sample every 5 s
    expect(await pointsOf("Memory")).toBeGreaterThanOrEqual(3);
    expect(await pointsOf("Replicas")).toBeGreaterThanOrEqual(3);
    expect(await page.getByText("not available").count()).toBe(0);
    await shot(page, "21-deployment-metrics");
  });

  it("starts a task from the Tasks page and sees it Succeeded with its output", async () => {
    await page.getByRole("link", { name: "Tasks", exact: true }).click();
    await page.waitForURL(/\/tasks$/);
    await page.getByLabel("Image").fill("busybox:1.36");
    await page.getByLabel("Command").fill("sh\n-c\necho done");
    await page.getByLabel("Input").fill("greeting=hello from the browser");
    await page.getByRole("button", { name: "Start task" }).click();

    const tasks = page.getByRole("list", { name: "Tasks" });
    await expect.poll(() => tasks.getByText("Succeeded").isVisible(), { timeout: 45_000 }).toBe(true);   // the operator's report
    const output = tasks.getByLabel("Output");
    expect(JSON.parse((await output.textContent()) ?? "")).toEqual({ greeting: "hello from the browser" });
    await expect.poll(() => page.getByRole("button", { name: "Cancel" }).count()).toBe(0);   // finished: nothing to cancel
    await shot(page, "30-task-succeeded-on-cluster");
  });
});
