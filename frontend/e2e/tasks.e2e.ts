import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextFor, launch, shot } from "./browser";
import { startCluster, type RunningCluster } from "./cluster";

// With a cluster: the server's task sync writes the AgentTask, the operator (as it ships) runs it as a Job, the cluster
// host's stand-in kubelet ends the Job with the task's input as its output, and the status comes back to the page.
describe("a task on a cluster, end to end in Chromium", () => {
  let cluster: RunningCluster;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    cluster = await startCluster();
    browser = await launch();
    page = await (await contextFor(browser, `tasks-${Date.now()}@e2e.test`, 1280, cluster.baseUrl)).newPage();
    page.on("pageerror", (error) => { throw error; });
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  it("starts a task from the Tasks page and sees it Succeeded with its output", async () => {
    await page.goto("/");
    await page.waitForURL(/\/orgs\/new$/);
    await page.getByLabel("Organization name").fill(`Tasks ${Date.now()}`);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);
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
