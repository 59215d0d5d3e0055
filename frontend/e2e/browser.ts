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

/** A browser context acting as one user (X-Dev-User, as DEV_MODE allows), at desktop or phone width. */
export function contextFor(browser: Browser, email?: string, width = 1280): Promise<BrowserContext> {
  return browser.newContext({
    baseURL: inject("baseUrl"),
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
