import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Org, Team } from "../api/hooks";
import { OrgContext, type OrgContextValue } from "../app/org";
import { Dashboard } from "./Dashboard";

const org = { id: "o1", name: "Acme", permissions: ["org:read"], defaultTeamId: "t1" } as unknown as Org;
const team = (permissions: string[]) => ({ id: "t1", name: "Default", role: "viewer", permissions }) as unknown as Team;

function renderWith(permissions: string[], items: unknown[]) {
  vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
    expect(new URL(request.url, "http://x").searchParams.get("teamId")).toBe("t1");
    return new Response(JSON.stringify({ items, page: 1, pageSize: 100, total: items.length }), { headers: { "content-type": "application/json" } });
  }));
  const t = team(permissions);
  const value: OrgContextValue = { org, teams: [t], team: t, selectTeam: () => {}, can: (p) => permissions.includes(p), canIn: (_, p) => permissions.includes(p) };
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter><OrgContext.Provider value={value}><Dashboard /></OrgContext.Provider></MemoryRouter>
    </QueryClientProvider>,
  );
}

const deployment = {
  id: "d1", teamId: "t1", name: "shop", state: "running", phase: "Running", url: "https://shop.apps.test", templateId: "x",
  templateName: "Static site", templateVersion: 2, createdBy: "u", createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(),
};

describe("Dashboard", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows each deployment as a card with its phase, template and address", async () => {
    renderWith(["deploy:read", "deploy:create"], [deployment]);
    const card = await screen.findByRole("link", { name: "shop" });
    expect(card).toHaveAttribute("href", "/orgs/o1/deployments/d1");
    expect(screen.getByText("Running")).toBeInTheDocument();
    expect(screen.getByText("Static site · v2")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "shop.apps.test" })).toHaveAttribute("href", "https://shop.apps.test");
    expect(screen.getByRole("link", { name: "Deploy" })).toHaveAttribute("href", "/orgs/o1/deploy");
  });

  it("leads an empty team to Deploy", async () => {
    renderWith(["deploy:read", "deploy:create"], []);
    expect(await screen.findByText("Nothing deployed yet")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Deploy" })).toBeInTheDocument();
  });

  it("offers a viewer no Deploy action", async () => {
    renderWith(["deploy:read"], [deployment]);
    await screen.findByRole("link", { name: "shop" });
    expect(screen.queryByRole("link", { name: "Deploy" })).toBeNull();
  });
});
