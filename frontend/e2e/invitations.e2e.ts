import type { Browser, Page } from "playwright-core";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityProblems, launch, shot } from "./browser";
import { startServer, type RunningServer } from "./server";
import { startSmtpServer } from "./smtp-server.mjs";

// An invitation as people meet it: the owner invites in the UI, the server sends the mail through a real SMTP server
// (npm smtp-server with AUTH on loopback), the invitee opens the mail's link in Chromium (signed in through DEV_MODE's
// X-Dev-User as the invited address), accepts, and is listed as a member.
describe("invitations by e-mail, end to end in Chromium", () => {
  const admin = `admin-${Date.now()}@e2e.test`;
  const owner = `owner-${Date.now()}@e2e.test`;
  const invitee = `invitee-${Date.now()}@e2e.test`;
  const mailDir = mkdtempSync(join(tmpdir(), "e2e-smtp-"));
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let server: RunningServer;
  let browser: Browser;
  let ownerPage: Page;
  let orgId = "";

  const asAdmin = (path: string, init: RequestInit) =>
    fetch(`${server.baseUrl}${path}`, { ...init, headers: { ...init.headers, "X-Dev-User": admin, "Content-Type": "application/json" } });

  /** The raw messages the SMTP server accepted so far, quoted-printable soft line breaks undone. */
  const mails = () => readdirSync(mailDir).filter((f) => f.endsWith(".eml")).map((f) => readFileSync(join(mailDir, f), "utf8").replace(/=\r?\n/g, ""));

  beforeAll(async () => {
    smtp = await startSmtpServer({ user: "mailer", password: "e2e-smtp-password", dir: mailDir });
    server = await startServer({
      DEV_MODE: "true", PLATFORM_ADMINS: admin, EMAIL_PROVIDER: "smtp", EMAIL_FROM: "CleanScheduler <noreply@e2e.test>",
      SMTP_HOST: "127.0.0.1", SMTP_PORT: String(smtp.port), SMTP_USERNAME: "mailer", SMTP_PASSWORD: "e2e-smtp-password",
    }, "server-invitations");
    browser = await launch();
    const context = await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1280, height: 860 }, extraHTTPHeaders: { "X-Dev-User": owner } });
    ownerPage = await context.newPage();
    ownerPage.on("pageerror", (error) => { throw error; });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await smtp?.stop();
    rmSync(mailDir, { recursive: true, force: true });
  });

  it("the owner invites a developer to the team from the Teams page", async () => {
    const page = ownerPage;
    await page.goto("/");
    await page.waitForURL(/\/orgs\/new$/);
    await page.getByLabel("Organization name").fill(`Invites ${Date.now()}`);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);
    orgId = page.url().split("/").pop()!;
    expect((await asAdmin(`/api/orgs/${orgId}/plan`, { method: "PUT", body: JSON.stringify({ plan: "business" }) })).status).toBe(200);

    await page.goto(`/orgs/${orgId}/teams`);
    const team = page.locator("div.rounded-xl", { has: page.getByRole("list", { name: "Team Default members" }) });
    await team.getByRole("button", { name: "Invite by e-mail" }).click();
    const dialog = page.getByRole("dialog", { name: "Invite to team Default" });
    await dialog.getByLabel("E-mail").fill(invitee);
    await dialog.getByLabel("Role").selectOption("developer");
    await dialog.getByRole("button", { name: "Send invitation" }).click();

    const invitations = page.getByRole("list", { name: "Invitations to team Default" });
    await expect.poll(() => invitations.textContent()).toContain(invitee);
    await expect.poll(async () => { await page.reload(); return invitations.textContent(); }, { timeout: 20_000 }).toContain("Mail sent");
    await shot(page, "30-invitation-sent");
    expect.soft(await accessibilityProblems(page), "30-invitation-sent").toEqual([]);
  });

  it("the invitee opens the link from the mail, accepts, and is a member of the team", async () => {
    await expect.poll(() => mails().length, { timeout: 20_000 }).toBe(1);
    const mail = mails()[0]!;
    expect(mail).toContain(`To: ${invitee}`);
    const link = mail.match(/http:\/\/localhost:\d+\/invitations\/[A-Za-z0-9_-]{43}/)?.[0];
    expect(link, "the mail carries the invitation link").toBeDefined();
    expect(link!.startsWith(server.baseUrl)).toBe(true);

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, extraHTTPHeaders: { "X-Dev-User": invitee } });
    const page = await context.newPage();
    page.on("pageerror", (error) => { throw error; });
    await page.goto(link!);
    await expect.poll(() => page.getByRole("button", { name: "Accept invitation" }).isVisible()).toBe(true);
    expect(await page.getByText(owner).isVisible()).toBe(true);
    await shot(page, "31-invitation");
    expect.soft(await accessibilityProblems(page), "31-invitation").toEqual([]);
    await page.getByRole("button", { name: "Accept invitation" }).click();

    await page.waitForURL(new RegExp(`/orgs/${orgId}/teams$`));
    await expect.poll(() => page.getByRole("list", { name: "Team Default members" }).textContent()).toContain(invitee);

    await ownerPage.reload();
    await expect.poll(() => ownerPage.getByRole("list", { name: "Team Default members" }).textContent()).toContain(invitee);
    expect(await ownerPage.getByText("2 members in").isVisible()).toBe(true);
    expect(await ownerPage.getByRole("list", { name: "Invitations to team Default" }).textContent()).not.toContain(invitee);

    await page.goto(link!);   // the link works once
    await expect.poll(() => page.getByRole("status").textContent()).toContain("accepted already");
    await context.close();
  });
});
