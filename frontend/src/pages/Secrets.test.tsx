import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Org, Team } from "../api/hooks";
import { OrgContext, type OrgContextValue } from "../app/org";
import { ToastProvider } from "../app/toast";
import { DeploymentSecrets, Secrets } from "./Secrets";

const org = { id: "o1", name: "Acme", permissions: ["org:read"], defaultTeamId: "t1" } as unknown as Org;
const team = { id: "t1", name: "Default", role: "viewer", permissions: [] } as unknown as Team;
const key = (k: string, tier: string, service: string | null = null) =>
  ({ key: k, tier, deploymentId: tier === "organization" ? null : "d1", service, updatedAt: new Date().toISOString(), updatedBy: "ann@example.test" });

type Sent = { method: string; url: URL; body: unknown };

function serve(routes: (request: Sent) => unknown): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
    const text = request.method === "PUT" ? await request.text() : "";
    const call = { method: request.method, url: new URL(request.url, "http://x"), body: text ? JSON.parse(text) : undefined };
    sent.push(call);
    const answer = routes(call);
    return answer === null ? new Response(null, { status: 204 }) : new Response(JSON.stringify(answer), { headers: { "content-type": "application/json" } });
  }));
  return sent;
}

function renderPage(node: React.ReactNode, permissions: string[]) {
  const value: OrgContextValue = { org, teams: [team], team, selectTeam: () => {}, can: (p) => permissions.includes(p), canIn: (_, p) => permissions.includes(p) };
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ToastProvider><MemoryRouter><OrgContext.Provider value={value}>{node}</OrgContext.Provider></MemoryRouter></ToastProvider>
    </QueryClientProvider>,
  );
}

describe("Secrets", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists the organization's keys with their tier and sets a value through a write-only field", async () => {
    const sent = serve(({ method }) => (method === "PUT" ? key("NEW_KEY", "organization") : [key("SENTRY_DSN", "organization")]));
    renderPage(<Secrets />, ["org:manage_secrets"]);

    expect(await screen.findByText("SENTRY_DSN")).toBeInTheDocument();
    expect(screen.getAllByText("organization").length).toBeGreaterThan(0);
    fireEvent.change(screen.getByLabelText("Key"), { target: { value: "NEW_KEY" } });
    fireEvent.change(screen.getByLabelText("Value"), { target: { value: "s3cret" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(sent.some((s) => s.method === "PUT")).toBe(true));
    expect(sent.find((s) => s.method === "PUT")!.body).toEqual({ organizationId: "o1", deploymentId: null, service: null, key: "NEW_KEY", value: "s3cret" });
    await waitFor(() => expect(screen.getByLabelText("Value")).toHaveValue(""));   // nothing of the value stays on the screen
  });

  it("refuses a key that is not an environment variable name before sending it", async () => {
    const sent = serve(() => []);
    renderPage(<Secrets />, ["org:manage_secrets"]);
    await screen.findByText("No secrets set here yet");

    fireEvent.change(screen.getByLabelText("Key"), { target: { value: "1-bad" } });
    fireEvent.change(screen.getByLabelText("Value"), { target: { value: "v" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("environment variable name");
    expect(sent.every((s) => s.method === "GET")).toBe(true);
  });

  it("offers members without the permission the keys only", async () => {
    serve(() => [key("SENTRY_DSN", "organization")]);
    renderPage(<Secrets />, []);

    expect(await screen.findByText("SENTRY_DSN")).toBeInTheDocument();
    expect(screen.queryByLabelText("Value")).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
  });

  it("shows where each key of each service comes from, and sets service secrets on the deployment tab", async () => {
    const sent = serve(({ method, url }) =>
      method === "PUT" ? key("APP_ONLY", "service", "app")
        : url.pathname.endsWith("/effective") ? [{ service: "app", key: "SENTRY_DSN", tier: "organization" }, { service: "app", key: "APP_ONLY", tier: "service" }]
        : [key("APP_ONLY", "service", "app")]);
    renderPage(<DeploymentSecrets organizationId="o1" deploymentId="d1" services={["app", "db"]} canWrite />, []);

    const effective = await screen.findByRole("table", { name: "Effective secrets" });
    expect(effective).toHaveTextContent("SENTRY_DSN");
    expect(effective).toHaveTextContent("organization");
    fireEvent.change(screen.getByLabelText("Key"), { target: { value: "APP_ONLY" } });
    fireEvent.change(screen.getByLabelText("Value"), { target: { value: "v" } });
    fireEvent.change(screen.getByLabelText("For"), { target: { value: "app" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(sent.find((s) => s.method === "PUT")?.body).toEqual({ organizationId: "o1", deploymentId: "d1", service: "app", key: "APP_ONLY", value: "v" }));
  });
});
