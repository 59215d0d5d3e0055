import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Account, describeAgent, type SessionInfo } from "./Account";

const secret = "cs_AbCdEf0123456789abcdefghijklmnopqrstuvwxyzA";
const me = { user: { id: "u1", email: "ada@example.com", displayName: "Ada", handle: "ada", isPlatformAdmin: false },
  organizations: [{ id: "o1", name: "Acme" }, { id: "o2", name: "Globex" }], teams: [] };
const now = new Date().toISOString();
const sessions: SessionInfo[] = [
  { id: "s-current", createdAt: now, lastSeenAt: now, expiresAt: now, ip: "127.0.0.1", current: true,
    userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" },
  { id: "s-phone", createdAt: now, lastSeenAt: now, expiresAt: now, ip: "203.0.113.9", current: false,
    userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1" },
];
const listed = { id: "t1", name: "CI deploys", scope: "write", organizationId: "o1", createdAt: now, expiresAt: "2027-01-01T00:00:00Z", lastUsedAt: null, prefix: "cs_Zz9Yy8" };

type Call = { method: string; path: string; body: unknown };
let calls: Call[];
let tokens: unknown[];
let createAnswer: { status: number; body: unknown };

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" } });

beforeEach(() => {
  calls = [];
  tokens = [listed];
  createAnswer = { status: 201, body: { id: "t2", name: "Nightly report", scope: "read", organizationId: "o2", createdAt: now,
    expiresAt: now, lastUsedAt: null, prefix: secret.slice(0, 9), token: secret } };
  // jsdom has no modal dialogs: opening one marks it open, as a browser does.
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) { this.setAttribute("open", ""); };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) { this.removeAttribute("open"); };
  vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
    const path = new URL(request.url).pathname;
    const body = request.method === "POST" || request.method === "PUT" ? await request.text().then((t) => (t ? JSON.parse(t) : undefined)) : undefined;
    calls.push({ method: request.method, path, body });
    const route = `${request.method} ${path}`;
    if (route === "GET /api/me") return json(me);
    if (route === "GET /api/branding") return json({ clientId: null, displayName: "CleanScheduler", logoUrl: null, primaryColor: "#4f46e5" });
    if (route === "GET /api/sessions") return json(sessions);
    if (route === "GET /api/tokens") return json(tokens);
    if (route === "POST /api/tokens") return json(createAnswer.body, createAnswer.status);
    if (route === "POST /api/sessions/revoke-others") return json({ revoked: 1 });
    if (request.method === "DELETE") return new Response(null, { status: 204 });
    return json({ title: "Not found", status: 404, code: "route.not_found" }, 404);
  }));
});

afterEach(() => vi.unstubAllGlobals());

function renderAccount() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter><Account /></MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("the account page", () => {
  it("lists the sessions and lets a person sign out another browser but not this one", async () => {
    const user = userEvent.setup();
    renderAccount();

    const table = await screen.findByRole("table", { name: "Sessions" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(within(rows[0]!).getByText("Firefox on Linux")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("This browser")).toBeInTheDocument();
    expect(within(rows[0]!).queryByRole("button")).toBeNull();
    expect(within(rows[1]!).getByText("203.0.113.9")).toBeInTheDocument();

    await user.click(within(rows[1]!).getByRole("button", { name: /Sign out Safari on iOS/ }));

    await waitFor(() => expect(calls).toContainEqual({ method: "DELETE", path: "/api/sessions/s-phone", body: undefined }));
  });

  it("signs out everywhere else after a confirmation", async () => {
    const user = userEvent.setup();
    renderAccount();
    await screen.findByRole("table", { name: "Sessions" });

    await user.click(screen.getByRole("button", { name: "Sign out everywhere else" }));
    expect(calls.some((c) => c.path === "/api/sessions/revoke-others")).toBe(false);   // not before the confirmation
    await user.click(within(screen.getByRole("dialog", { name: "Sign out everywhere else?" })).getByRole("button", { name: "Sign out others" }));

    await waitFor(() => expect(calls).toContainEqual({ method: "POST", path: "/api/sessions/revoke-others", body: undefined }));
  });

  it("creates a token and shows its secret once, with a copy button and a warning", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    renderAccount();
    await screen.findByRole("table", { name: "API tokens" });

    await user.click(screen.getByRole("button", { name: "New token" }));
    const form = screen.getByRole("form", { name: "New API token" });
    await user.type(within(form).getByLabelText("Name"), "Nightly report");
    await user.selectOptions(within(form).getByLabelText("Organizations"), "Only Globex");
    await user.selectOptions(within(form).getByLabelText("Expires in"), "1 year");
    await user.click(within(form).getByRole("button", { name: "Create token" }));

    const dialog = await screen.findByRole("dialog", { name: "Token Nightly report created" });
    const post = calls.find((c) => c.method === "POST" && c.path === "/api/tokens")!.body as Record<string, string>;
    expect(post).toMatchObject({ name: "Nightly report", scope: "read", organizationId: "o2" });
    const days = (new Date(post.expiresAt!).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364.9);
    expect(days).toBeLessThanOrEqual(365);
    expect(within(dialog).getByLabelText("Your API token")).toHaveValue(secret);
    expect(within(dialog).getByRole("alert")).toHaveTextContent("only time it is shown");

    await user.click(within(dialog).getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith(secret);
    expect(within(dialog).getByRole("button", { name: "Copied" })).toBeInTheDocument();

    await user.click(within(dialog).getByRole("button", { name: "I have stored it" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.queryByDisplayValue(secret)).toBeNull();   // gone for good
  });

  it("shows the server's field error beside the field", async () => {
    const user = userEvent.setup();
    createAnswer = { status: 400, body: { title: "One or more fields are invalid", status: 400, code: "validation.failed",
      detail: "name: The token name must be 1 to 100 characters without control characters.",
      errors: { name: ["The token name must be 1 to 100 characters without control characters."] } } };
    renderAccount();
    await screen.findByRole("table", { name: "API tokens" });

    await user.click(screen.getByRole("button", { name: "New token" }));
    await user.type(screen.getByLabelText("Name"), "x");
    await user.click(screen.getByRole("button", { name: "Create token" }));

    expect(await screen.findByText(/must be 1 to 100 characters/)).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("revokes a token after a confirmation and lists tokens without secrets", async () => {
    const user = userEvent.setup();
    renderAccount();
    const table = await screen.findByRole("table", { name: "API tokens" });
    expect(within(table).getByText("cs_Zz9Yy8…")).toBeInTheDocument();
    expect(within(table).getByText("Acme")).toBeInTheDocument();
    expect(within(table).getByText("never")).toBeInTheDocument();

    await user.click(within(table).getByRole("button", { name: "Revoke CI deploys" }));
    await user.click(within(screen.getByRole("dialog", { name: "Revoke CI deploys?" })).getByRole("button", { name: "Revoke" }));

    await waitFor(() => expect(calls).toContainEqual({ method: "DELETE", path: "/api/tokens/t1", body: undefined }));
  });
});

describe("describeAgent", () => {
  it("names common browsers and systems and keeps unknown agents short", () => {
    expect(describeAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0")).toBe("Edge on Windows");
    expect(describeAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36")).toBe("Chrome on macOS");
    expect(describeAgent("curl/8.5.0")).toBe("curl");
    expect(describeAgent(null)).toBe("Unknown browser");
    expect(describeAgent("x".repeat(200))).toHaveLength(60);
  });
});
