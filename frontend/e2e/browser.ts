import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { inject } from "vitest";

/** Debian's chromium (Playwright's own browser download cannot work here), headless, without background traffic. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ],
  });
}

/** A browser context acting as one user (X-Dev-User, as DEV_MODE allows), at desktop or phone width, on the e2e server or another. */
export function contextFor(browser: Browser, email?: string, width = 1280, baseURL: string = inject("baseUrl")): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    viewport: { width, height: width < 500 ? 812 : 860 },
    extraHTTPHeaders: email ? { "X-Dev-User": email } : {},
  });
}

/** Saves a full-page screenshot under artifacts/e2e/screenshots (the test artefacts CI keeps). */
export async function shot(page: Page, name: string) {
  const dir = resolve(inject("artifacts"), "screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: resolve(dir, `${name}.png`), fullPage: true });
}

type AxeResult = { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] };

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page as it is now and returns the serious and critical violations,
 * one line each: rule, help, and the elements at fault. The script is evaluated through the DevTools protocol, so
 * the page's Content-Security-Policy stays as the server sends it.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const { default: axe } = await import("axe-core");
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axe.source);
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<unknown> } }).axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    }))) as AxeResult;
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)).join(", ")}`);
}
