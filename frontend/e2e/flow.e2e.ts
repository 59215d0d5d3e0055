import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityProblems, contextFor, launch, shot } from "./browser";

// One story, in order, as a user would click it: the steps share the organization and the deployment.
describe("the web UI, end to end in Chromium", () => {
  let browser: Browser;
  let owner: BrowserContext;
  let page: Page;
  let orgPath = "";
  const viewer = `viewer-${Date.now()}@e2e.test`;
  const orgName = `Acme ${Date.now()}`;

  beforeAll(async () => {
    browser = await launch();
    owner = await contextFor(browser);
    page = await owner.newPage();
    page.on("pageerror", (error) => { throw error; });
  });
  afterAll(async () => { await browser?.close(); });

  /** A screenshot of the screen as it is, and no serious or critical axe-core violation on it. */
  const checkScreen = async (p: Page, name: string) => {
    await shot(p, name);
    expect.soft(await accessibilityProblems(p), name).toEqual([]);
  };

  it("creates an organization and lands on its empty dashboard", async () => {
    await page.goto("/");
    await page.waitForURL(/\/orgs\/new$/);
    await checkScreen(page, "01-create-organization");
    await page.getByLabel("Organization name").fill(orgName);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);
    orgPath = new URL(page.url()).pathname;
    await expect.poll(() => page.getByText("Nothing deployed yet").isVisible()).toBe(true);
    expect(await page.locator("#org-switcher option:checked").textContent()).toBe(orgName);
    await checkScreen(page, "02-dashboard-empty");
  });

  it("deploys a system template through the form and sees it on the dashboard", async () => {
    await page.getByRole("link", { name: "Deploy", exact: true }).click();
    await page.getByRole("button", { name: /Static site/ }).click();
    const name = page.getByLabel("Name", { exact: true });
    await name.fill("Bad Name");
    await page.getByRole("button", { name: "Review" }).click();
    await expect.poll(() => page.getByText(/Lower-case letters, digits and dashes/).first().isVisible()).toBe(true);
    await name.fill("homepage");
    await checkScreen(page, "03-deploy-settings");
    await page.getByRole("button", { name: "Review" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Deploy homepage?" }).isVisible()).toBe(true);
    await checkScreen(page, "04-deploy-confirm");
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.waitForURL(/\/deployments\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByRole("heading", { name: "homepage" }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText("The cluster has not reported on the current settings yet.").isVisible()).toBe(true);
    await checkScreen(page, "05-deployment-detail");

    await page.getByRole("button", { name: "Edit" }).click();             // change a setting: it reaches the manifests
    await page.getByLabel(/^PAGE_TITLE/).fill("Opening soon");
    await checkScreen(page, "05b-edit-settings");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "rolled out with the new settings" }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText("Opening soon", { exact: true }).isVisible()).toBe(true);

    await page.getByRole("tab", { name: "manifests" }).click();
    const manifests = page.getByLabel("Manifest YAML");
    await expect.poll(() => manifests.textContent()).toContain("kind: \"Deployment\"");
    expect(await manifests.textContent()).toContain("Opening soon");
    expect(await page.getByRole("link", { name: "Download YAML" }).getAttribute("href")).toMatch(/\/manifests\?download=true$/);
    await checkScreen(page, "06-manifests");

    await page.getByRole("tab", { name: "logs" }).click();   // no cluster here: the server's 503 says why, in the page
    await expect.poll(() => page.getByRole("status").filter({ hasText: "without a Kubernetes cluster" }).isVisible()).toBe(true);

    await page.getByRole("link", { name: "Deployments" }).click();
    const card = page.getByRole("list", { name: "Deployments" }).getByRole("listitem").filter({ hasText: "homepage" });
    await expect.poll(() => card.textContent()).toMatch(/homepage(Pending|Running)/);
    expect(await card.textContent()).toContain("Static site");
    await checkScreen(page, "07-dashboard-with-deployment");
  });

  it("stops the deployment after a confirmation", async () => {
    await page.getByRole("link", { name: "homepage", exact: true }).click();
    await page.getByRole("button", { name: "Stop" }).click();
    const dialog = page.getByRole("dialog", { name: "Stop homepage?" });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await checkScreen(page, "08-stop-confirm");
    await dialog.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Start" }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText("stopped", { exact: true }).isVisible()).toBe(true);
  });

  it("moves the organization to Business and shows usage against the plan's limits", async () => {
    await page.goto(`${orgPath}/usage`);
    await expect.poll(() => page.getByRole("progressbar", { name: "Deployments" }).getAttribute("aria-valuenow")).toBe("1");
    await page.getByLabel("Plan (platform admin)").selectOption({ label: "Business" });
    await expect.poll(() => page.getByText(/is now on Business/).isVisible()).toBe(true);
    expect(await page.getByRole("progressbar", { name: "Deployments" }).getAttribute("aria-valuemax")).toBe("5");
    await checkScreen(page, "09-usage");
  });

  it("adds a member to the team as a viewer", async () => {
    await page.goto(`${orgPath}/teams`);
    const team = page.locator("form").filter({ has: page.getByRole("button", { name: "Add member" }) }).last();
    await team.getByLabel("Add by e-mail").fill(viewer);
    await team.getByLabel("Role").selectOption("viewer");
    await team.getByRole("button", { name: "Add member" }).click();
    // Nobody has signed in as the viewer yet: only an invitation is offered.
    await expect.poll(() => team.getByRole("button", { name: `Invite ${viewer} instead` }).isVisible()).toBe(true);
    const signedUp = await contextFor(browser, viewer);
    expect((await signedUp.request.get("/api/me")).status()).toBe(200);
    await signedUp.close();
    await team.getByRole("button", { name: "Add member" }).click();
    await expect.poll(() => page.getByText(viewer).first().isVisible()).toBe(true);
    await checkScreen(page, "10-teams-and-members");

    await page.getByRole("button", { name: "New team" }).click();
    await page.getByLabel("Team name").fill("Platform");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Team Platform" }).isVisible()).toBe(true);
  });

  it("shows the viewer the deployment without any write action", async () => {
    const context = await contextFor(browser, viewer);
    const viewerPage = await context.newPage();
    await viewerPage.goto(orgPath);
    await expect.poll(() => viewerPage.getByRole("link", { name: "homepage", exact: true }).isVisible()).toBe(true);
    expect(await viewerPage.getByRole("link", { name: "Deploy", exact: true }).count()).toBe(0);
    await checkScreen(viewerPage, "11-viewer-dashboard");
    await viewerPage.getByRole("link", { name: "homepage", exact: true }).click();
    await expect.poll(() => viewerPage.getByRole("heading", { name: "homepage" }).isVisible()).toBe(true);
    await expect.poll(() => viewerPage.getByRole("heading", { name: "Conditions" }).isVisible()).toBe(true);
    for (const action of ["Start", "Stop", "Delete", "Edit"]) expect(await viewerPage.getByRole("button", { name: action }).count()).toBe(0);
    await viewerPage.goto(`${orgPath}/templates`);
    await expect.poll(() => viewerPage.getByText("System templates").isVisible()).toBe(true);
    expect(await viewerPage.getByRole("link", { name: "New template" }).count()).toBe(0);
    expect(await viewerPage.getByRole("link", { name: "Audit log" }).count()).toBe(0);
    await context.close();
  });

  it("shows a template's YAML error at its line", async () => {
    await page.goto(`${orgPath}/templates/new`);
    await page.getByLabel("Name").fill("broken");
    await page.getByLabel("Spec (YAML)").fill("services:\n  - name: web\n    image: nginx:1.27\n    replicas: many\n");
    await page.getByRole("button", { name: "Create template" }).click();
    const problems = page.getByRole("list", { name: "Problems in the spec" });
    await expect.poll(() => problems.textContent()).toMatch(/Line 4, column \d+: services\[0\]\.replicas/);
    const marked = page.locator(".cm-lintRange-error");   // the inline diagnostic, at line 4 only
    expect(await marked.count()).toBe(1);
    expect(await marked.textContent()).toContain("many");
    await checkScreen(page, "12-template-yaml-error");
  });

  it("lists the changes in the audit log", async () => {
    await page.goto(`${orgPath}/audit`);
    await expect.poll(() => page.getByText("deployment.launched").first().isVisible()).toBe(true);
    await checkScreen(page, "13-audit-log");
  });

  it("fits a 375 px wide screen", async () => {
    const context = await contextFor(browser, undefined, 375);
    const phone = await context.newPage();
    await phone.goto(orgPath);
    await expect.poll(() => phone.getByRole("link", { name: "homepage", exact: true }).isVisible()).toBe(true);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await checkScreen(phone, "14-dashboard-375px");
    await context.close();
  });

  it("deploys with the keyboard alone", async () => {
    // Tab reaches every control in order and Enter or Space works it; no step needs a pointer.
    const keyboard = await owner.newPage();
    const tabTo = async (name: RegExp) => {
      for (let i = 0; i < 60; i++) {
        await keyboard.keyboard.press("Tab");
        const focused = await keyboard.evaluate(() => {
          const e = document.activeElement as HTMLElement | null;
          return e && e !== document.body ? `${e.getAttribute("aria-label") ?? ""} ${(e as HTMLInputElement).labels?.[0]?.textContent ?? ""} ${e.textContent ?? ""}`.trim() : "";
        });
        if (name.test(focused)) return;
      }
      throw new Error(`Tab never reached ${name}`);
    };
    await keyboard.goto(orgPath);
    await expect.poll(() => keyboard.getByRole("link", { name: "homepage", exact: true }).isVisible()).toBe(true);
    await tabTo(/^Deploy$/);
    await keyboard.keyboard.press("Enter");
    await expect.poll(() => keyboard.getByRole("button", { name: /Static site/ }).isVisible()).toBe(true);
    await tabTo(/^Static site/);
    await keyboard.keyboard.press("Enter");
    await tabTo(/^Name/);
    await keyboard.keyboard.press("ControlOrMeta+A");
    await keyboard.keyboard.type("by-keyboard");
    await keyboard.keyboard.press("Enter");                           // submits the form: Review
    await expect.poll(() => keyboard.getByRole("heading", { name: "Deploy by-keyboard?" }).isVisible()).toBe(true);
    await tabTo(/^Deploy$/);
    await keyboard.keyboard.press("Enter");
    await keyboard.waitForURL(/\/deployments\/[0-9a-f-]{36}$/);
    await expect.poll(() => keyboard.getByRole("heading", { name: "by-keyboard" }).isVisible()).toBe(true);
    // the new page has the focus (not the body), so the next Tab starts from its top
    expect(await keyboard.evaluate(() => document.activeElement?.id)).toBe("main");

    await tabTo(/^overview$/);
    await keyboard.keyboard.press("ArrowRight");                      // overview -> metrics -> secrets -> manifests
    await expect.poll(() => keyboard.evaluate(() => document.activeElement?.textContent)).toBe("metrics");
    await keyboard.keyboard.press("ArrowRight");
    await expect.poll(() => keyboard.evaluate(() => document.activeElement?.textContent)).toBe("secrets");
    await keyboard.keyboard.press("ArrowRight");
    await expect.poll(() => keyboard.getByLabel("Manifest YAML").textContent()).toContain("by-keyboard");

    await tabTo(/Account menu of /);
    await keyboard.keyboard.press("Enter");
    await expect.poll(() => keyboard.evaluate(() => document.activeElement?.textContent)).toBe("API reference");
    await keyboard.keyboard.press("Escape");
    expect(await keyboard.getByRole("menu").count()).toBe(0);
    expect(await keyboard.evaluate(() => document.activeElement?.getAttribute("aria-haspopup"))).toBe("menu");
    await keyboard.close();
  });

  it("has an accessible sign-in page and not-found page", async () => {
    await page.goto("/signin");
    await expect.poll(() => page.getByRole("link", { name: "Continue with Google" }).isVisible()).toBe(true);
    await checkScreen(page, "15-sign-in");
    await page.goto(`${orgPath}/no-such-page`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).isVisible()).toBe(true);
    await checkScreen(page, "16-not-found");
  });
});
