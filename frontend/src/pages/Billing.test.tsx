import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Org, Team } from "../api/hooks";
import { OrgContext, type OrgContextValue } from "../app/org";
import { Billing } from "./Billing";
import { UsageBanners } from "./Usage";

const org = { id: "o1", name: "Acme", permissions: ["org:read"], defaultTeamId: "t1" } as unknown as Org;
const team = { id: "t1", name: "Default", role: "team_admin", permissions: [] } as unknown as Team;
const plans = [
  { id: "p-free", code: "free", name: "Free", tier: "free", limits: { maxDeployments: 1 }, quota: null, stripePriceId: null },
  { id: "p-biz", code: "business", name: "Business", tier: "business", limits: { maxDeployments: 5 }, quota: null, stripePriceId: "price_biz" },
];
let billing: Record<string, unknown>;
let calls: { method: string; path: string; body: unknown }[];
const assign = vi.fn();

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

beforeEach(() => {
  calls = [];
  assign.mockReset();
  billing = { planId: "p-free", planName: "Free", tier: "free", status: "active", currentPeriodEnd: null, cancelAtPeriodEnd: false,
    pastDueSince: null, graceEndsAt: null, hasCustomer: false, subscribed: false };
  vi.stubGlobal("location", { ...window.location, assign });
  vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
    const path = new URL(request.url).pathname;
    const body = request.method === "POST" ? await request.text().then((t) => (t ? JSON.parse(t) : undefined)) : undefined;
    calls.push({ method: request.method, path, body });
    const route = `${request.method} ${path}`;
    if (route === "GET /api/plans") return json(plans);
    if (route === "GET /api/orgs/o1/billing") return json(billing);
    if (route === "GET /api/orgs/o1/billing/invoices")
      return json([{ id: "in_1", number: "INV-0001", date: "2026-11-01T00:00:00Z", amountDue: 4900, amountPaid: 4900, currency: "eur", status: "paid", hostedUrl: "https://invoice.test/in_1" }]);
    if (route === "POST /api/orgs/o1/billing/checkout") return json({ url: "https://checkout.stripe.test/cs_1" });
    if (route === "POST /api/orgs/o1/billing/portal") return json({ url: "https://portal.stripe.test/bps_1" });
    return json({ status: 404, code: "not_found" }, 404);
  }));
});

afterEach(() => vi.unstubAllGlobals());

function renderBilling(permissions: string[]) {
  const value: OrgContextValue = { org, teams: [team], team, selectTeam: () => {}, can: (p) => permissions.includes(p), canIn: (_, p) => permissions.includes(p) };
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter><OrgContext.Provider value={value}><Billing /></OrgContext.Provider></MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("Billing", () => {
  it("lets an owner upgrade to a plan for sale: the checkout's URL is opened", async () => {
    renderBilling(["org:read", "org:manage_billing"]);

    await userEvent.click(await screen.findByRole("button", { name: "Upgrade to Business" }));

    await waitFor(() => expect(assign).toHaveBeenCalledWith("https://checkout.stripe.test/cs_1"));
    expect(calls).toContainEqual({ method: "POST", path: "/api/orgs/o1/billing/checkout", body: { planId: "p-biz" } });
    expect(screen.queryByRole("button", { name: "Upgrade to Free" })).not.toBeInTheDocument();
    expect(within(await screen.findByRole("table", { name: "Invoices" })).getByText("INV-0001")).toBeInTheDocument();
  });

  it("shows a subscribed owner the portal, the renewal date and the past-due warning", async () => {
    billing = { ...billing, planName: "Business", status: "past_due", currentPeriodEnd: "2026-12-30T00:00:00Z", graceEndsAt: "2026-12-07T00:00:00Z",
      hasCustomer: true, subscribed: true };
    renderBilling(["org:read", "org:manage_billing"]);

    expect(await screen.findByRole("alert")).toHaveTextContent("The last payment failed");
    expect(screen.queryByRole("button", { name: /Upgrade/ })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Manage billing" }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith("https://portal.stripe.test/bps_1"));
    expect(screen.getByText("Renews on")).toBeInTheDocument();
  });

  it("shows other members the state only: no upgrade, no portal, no invoices asked for", async () => {
    renderBilling(["org:read"]);

    expect(await screen.findByText("Subscription")).toBeInTheDocument();
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
    expect(calls.map((c) => c.path)).not.toContain("/api/orgs/o1/billing/invoices");
  });
});

describe("UsageBanners", () => {
  const usage = {
    organizationId: "o1", plan: { id: "p-free", name: "Free", tier: "free" }, status: "canceled", graceEndsAt: null,
    deployments: { used: 3, limit: 1 }, membersPerTeam: [{ teamId: "t1", name: "Default", members: 1, limit: 1 }],
    customTemplates: false, orgTemplates: false, networkIsolation: "shared", namespaceQuota: null, unfinishedTasks: { used: 0, limit: 1 },
  };

  it("says why new creations are refused after a downgrade, and links to billing when it is on", () => {
    render(<MemoryRouter><UsageBanners usage={usage} billingPage="/orgs/o1/billing" /></MemoryRouter>);

    expect(screen.getByRole("alert")).toHaveTextContent("Over the Free plan's limits: 3 deployments (the plan allows 1)");
    expect(screen.getByRole("link", { name: "Billing" })).toHaveAttribute("href", "/orgs/o1/billing");
  });

  it("warns of a payment overdue and shows nothing when all is well", () => {
    const { rerender } = render(<MemoryRouter><UsageBanners usage={{ ...usage, status: "past_due", graceEndsAt: "2026-12-07T00:00:00Z", deployments: { used: 1, limit: 5 } }} billingPage={null} /></MemoryRouter>);
    expect(screen.getByRole("alert")).toHaveTextContent("Payment overdue");
    expect(screen.queryByRole("link")).not.toBeInTheDocument();

    rerender(<MemoryRouter><UsageBanners usage={{ ...usage, status: "active", deployments: { used: 1, limit: 5 } }} billingPage={null} /></MemoryRouter>);
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});
