import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Org, Team } from "../api/hooks";
import { OrgContext, type OrgContextValue } from "../app/org";
import { ToastProvider } from "../app/toast";
import { DeploymentDetail } from "./DeploymentDetail";

const org = { id: "o1", name: "Acme", permissions: ["org:read"], defaultTeamId: "t1" } as unknown as Org;
const now = new Date().toISOString();

const details = {
  id: "d1", organizationId: "o1", teamId: "t1", name: "shop", state: "running", phase: "Provisioning",
  phaseMessage: "Waiting for services to become ready", url: "https://shop.apps.test", templateId: "tpl", templateName: "Web app + PostgreSQL",
  templateVersion: 1, values: { POSTGRES_DB: "orders" }, secretsSet: ["POSTGRES_PASSWORD"],
  services: [
    { name: "app", image: "adminer:4", replicas: 2, readyReplicas: 1, ports: [] },
    { name: "db", image: "postgres:16-alpine", replicas: 1, readyReplicas: null, ports: [] },
  ],
  conditions: [
    { type: "Ready", status: "False", reason: "Provisioning", message: "Waiting for services to become ready", lastTransitionTime: now },
    { type: "Degraded", status: "False", reason: "AsExpected", message: "", lastTransitionTime: now },
  ],
  createdBy: "u", createdAt: now, updatedAt: now,
};

const settings = [
  { name: "POSTGRES_DB", default: "app", required: false, secret: false, description: "Database name", services: ["db"] },
  { name: "POSTGRES_PASSWORD", default: null, required: true, secret: true, description: null, services: ["db"] },
];
const added = { name: "APP_TITLE", default: null, required: true, secret: false, description: null, services: ["app"] };
const template = (version: number) => ({
  id: "tpl", name: "Web app + PostgreSQL", description: "", visibility: "system", currentVersion: 2, version, spec: "",
  settings: version === 2 ? [...settings, added] : settings, services: [],
});

type Call = { method: string; path: string; body: unknown; lastEventId?: string };

function renderWith(permissions: string[], answer?: (call: Call) => Response | undefined) {
  const calls: Call[] = [];
  vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
    const url = new URL(request.url, "http://x");
    const call = { method: request.method, path: url.pathname + url.search, body: request.method === "GET" ? undefined : await request.json(),
      lastEventId: request.headers.get("Last-Event-ID") ?? undefined };
    calls.push(call);
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": status < 400 ? "application/json" : "application/problem+json" } });
    const given = answer?.(call);
    if (given) return given;
    if (url.pathname === "/api/deployments/d1") return json(details);
    if (url.pathname === "/api/templates/tpl") return json(template(Number(url.searchParams.get("version") ?? 2)));
    if (call.method === "PUT" && url.pathname === "/api/deployments/d1/values") return json({ ...details, templateVersion: 2, conditions: [] });
    return json({ title: "Not found", status: 404 }, 404);
  }));
  const t = { id: "t1", name: "Default", role: "viewer", permissions } as unknown as Team;
  const value: OrgContextValue = { org, teams: [t], team: t, selectTeam: () => {}, can: (p) => permissions.includes(p), canIn: (_, p) => permissions.includes(p) };
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ToastProvider>
        <MemoryRouter initialEntries={["/orgs/o1/deployments/d1"]}>
          <OrgContext.Provider value={value}>
            <Routes><Route path="/orgs/:orgId/deployments/:id" element={<DeploymentDetail />} /></Routes>
          </OrgContext.Provider>
        </MemoryRouter>
      </ToastProvider>
    </QueryClientProvider>,
  );
  return calls;
}

const developer = ["deploy:read", "deploy:manage", "deploy:delete"];

describe("Deployment detail", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the cluster's conditions and each service's ready replicas", async () => {
    renderWith(["deploy:read"]);
    const conditions = await screen.findByRole("table", { name: "Conditions" });
    const rows = within(conditions).getAllByRole("row").slice(1).map((r) => within(r).getAllByRole("cell").slice(0, 3).map((c) => c.textContent));
    expect(rows).toEqual([["Ready", "False", "Provisioning"], ["Degraded", "False", "AsExpected"]]);
    expect(screen.getByRole("row", { name: /^app/ })).toHaveTextContent("1 / 2");
    expect(screen.getByRole("row", { name: /^db/ })).toHaveTextContent("– / 1");
  });

  it("says so when the cluster has not reported yet", async () => {
    renderWith(["deploy:read"], (call) => call.path === "/api/deployments/d1"
      ? new Response(JSON.stringify({ ...details, phase: "Pending", conditions: [] }), { headers: { "content-type": "application/json" } }) : undefined);
    expect(await screen.findByText("The cluster has not reported on the current settings yet.")).toBeInTheDocument();
  });

  it("offers a viewer no Edit, Stop or Delete", async () => {
    renderWith(["deploy:read"]);
    await screen.findByRole("table", { name: "Conditions" });
    for (const name of ["Edit", "Stop", "Delete"]) expect(screen.queryByRole("button", { name })).toBeNull();
  });

  it("saves new settings, keeps a secret left empty, and can move to the newest template version", async () => {
    const user = userEvent.setup();
    const calls = renderWith(developer);
    await user.click(await screen.findByRole("button", { name: "Edit" }));
    const db = await screen.findByLabelText("POSTGRES_DB");
    expect(db).toHaveValue("orders");
    expect(screen.getByLabelText("POSTGRES_PASSWORD")).toHaveValue("");   // a set secret is never shown and not required
    await user.clear(db);
    await user.type(db, "billing");
    await user.click(screen.getByRole("checkbox", { name: /newest version, v2/ }));
    expect(screen.getByLabelText("POSTGRES_DB")).toHaveValue("billing");   // what was typed survives the change of version

    await user.click(screen.getByRole("button", { name: "Save" }));        // v2's new required setting is still empty
    expect(await screen.findByText("APP_TITLE is required.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "PUT")).toBe(false);

    await user.type(screen.getByLabelText(/^APP_TITLE/), "Shop");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("shop is being rolled out with the new settings.")).toBeInTheDocument();
    const put = calls.find((c) => c.method === "PUT");
    expect(put).toEqual({ method: "PUT", path: "/api/deployments/d1/values", body: { templateVersion: 2, values: { POSTGRES_DB: "billing", APP_TITLE: "Shop" } } });
  });

  it("does not send a setting that the chosen version does not have", async () => {
    const user = userEvent.setup();
    const calls = renderWith(developer);
    await user.click(await screen.findByRole("button", { name: "Edit" }));
    const upgrade = await screen.findByRole("checkbox", { name: /newest version/ });
    await user.click(upgrade);
    await user.type(screen.getByLabelText(/^APP_TITLE/), "Shop");
    await user.click(upgrade);                                              // back to v1, which has no APP_TITLE
    await user.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("shop is being rolled out with the new settings.");
    expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ templateVersion: 1, values: { POSTGRES_DB: "orders" } });
  });

  it("puts the server's refusal beside the setting it names", async () => {
    const user = userEvent.setup();
    renderWith(developer, (call) => call.method === "PUT"
      ? new Response(JSON.stringify({ title: "One or more validation errors occurred.", status: 400, errors: { "values.POSTGRES_DB": ["Too long for the database."] } }),
        { status: 400, headers: { "content-type": "application/problem+json" } })
      : undefined);
    await user.click(await screen.findByRole("button", { name: "Edit" }));
    await user.click(await screen.findByRole("button", { name: "Save" }));
    expect(await screen.findByText("Too long for the database.")).toBeInTheDocument();
    expect(screen.getByLabelText("POSTGRES_DB")).toHaveAttribute("aria-invalid", "true");
  });

  it("shows live log lines as the server sends them, and the stream's error message", async () => {
    const user = userEvent.setup();
    let push!: (text: string) => void;
    let finish!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(new TextEncoder().encode(text));
        finish = () => controller.close();
      },
    });
    const calls = renderWith(["deploy:read"], (call) => call.path.startsWith("/api/deployments/d1/logs")
      ? new Response(body, { headers: { "content-type": "text/event-stream" } }) : undefined);
    await user.click(await screen.findByRole("tab", { name: "logs" }));
    expect(calls.find((c) => c.path.startsWith("/api/deployments/d1/logs"))?.path).toBe("/api/deployments/d1/logs?tailLines=200&follow=true");

    push(': keep-alive\n\nevent: log\ndata: {"pod":"shop-app-1","service":"app","line":"listening on :8080"}\n\nevent: log\ndata: {"pod":"shop-db-0",');
    const log = await screen.findByRole("log");
    expect(await within(log).findByText(/listening on :8080/)).toBeInTheDocument();
    expect(screen.getByText("live")).toBeInTheDocument();
    push('"service":"db","line":"ready to accept connections"}\n\n');   // an event split across two chunks
    expect(await within(log).findByText(/ready to accept connections/)).toBeInTheDocument();

    push('event: error\ndata: {"message":"The cluster stopped answering."}\n\n');
    finish();
    expect(await screen.findByText("The cluster stopped answering.")).toBeInTheDocument();
  });

  it("opens a new log stream when the server ends one at its time limit, with the last line's id as Last-Event-ID", async () => {
    const user = userEvent.setup();
    const streams = [
      'event: log\nid: 2026-11-30T12:00:00.0000001Z\ndata: {"pod":"shop-app-1","service":"app","line":"before the limit"}\n\nevent: reconnect\ndata: {"message":"time limit"}\n\n',
      'event: log\nid: 2026-11-30T12:00:01.0000001Z\ndata: {"pod":"shop-app-1","service":"app","line":"after reconnecting"}\n\nevent: end\ndata: {}\n\n',
    ];
    const calls = renderWith(["deploy:read"], (call) => call.path.startsWith("/api/deployments/d1/logs")
      ? new Response(streams.shift() ?? "", { headers: { "content-type": "text/event-stream" } }) : undefined);
    await user.click(await screen.findByRole("tab", { name: "logs" }));

    const log = await screen.findByRole("log");
    expect(await within(log).findByText(/after reconnecting/)).toBeInTheDocument();
    expect(within(log).getByText(/before the limit/)).toBeInTheDocument();
    expect(await screen.findByText("ended")).toBeInTheDocument();
    expect(calls.filter((c) => c.path.startsWith("/api/deployments/d1/logs")).map((c) => [c.path, c.lastEventId]))
      .toEqual([["/api/deployments/d1/logs?tailLines=200&follow=true", undefined], ["/api/deployments/d1/logs?tailLines=200&follow=true", "2026-11-30T12:00:00.0000001Z"]]);
  });

  it("asks for one service's and one pod's lines since a time when chosen", async () => {
    const user = userEvent.setup();
    const calls = renderWith(["deploy:read"], (call) => call.path.startsWith("/api/deployments/d1/logs")
      ? new Response('event: log\ndata: {"pod":"shop-app-1","service":"app","line":"hello"}\n\nevent: end\ndata: {}\n\n', { headers: { "content-type": "text/event-stream" } })
      : undefined);
    await user.click(await screen.findByRole("tab", { name: "logs" }));
    expect(await within(await screen.findByRole("log")).findByText(/hello/)).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText("Service"), "app");
    await user.selectOptions(screen.getByLabelText("Pod"), "shop-app-1");
    await user.selectOptions(screen.getByLabelText("Show"), "15m");

    await vi.waitFor(() => expect(calls.filter((c) => c.path.startsWith("/api/deployments/d1/logs")).at(-1)?.path)
      .toBe("/api/deployments/d1/logs?tailLines=10000&follow=true&service=app&pod=shop-app-1&since=15m"));
  });
});

