import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Org, Team } from "../api/hooks";
import { OrgContext, type OrgContextValue } from "../app/org";
import { ToastProvider } from "../app/toast";
import { Tasks, parseInput } from "./Tasks";

const org = { id: "o1", name: "Acme", permissions: ["org:read"], defaultTeamId: "t1" } as unknown as Org;
const team = { id: "t1", name: "Default", role: "developer", permissions: [] } as unknown as Team;
const now = new Date().toISOString();
const spec = { image: "busybox:1.36", command: ["sh", "-c", "build"], input: {}, timeoutSeconds: 600 };
// Lists carry summaries (no spec); GET by id adds what the task or each step runs.
const task = (phase: string, output: Record<string, string> | null = null) => ({
  id: `id-${phase}`, teamId: "t1", name: `task-${phase}`, phase, message: null, output, createdBy: "u", createdAt: now, updatedAt: now, finishedAt: null,
});
const workflow = {
  id: "w1", teamId: "t1", name: "wf-1", phase: "Running", message: null, createdBy: "u", createdAt: now, updatedAt: now, finishedAt: null,
  steps: [
    { name: "fetch", phase: "Succeeded", output: { commit: "c0ffee" } },
    { name: "build", phase: "Running", output: null },
  ],
};

type Sent = { method: string; url: URL; body: unknown };

function serve(tasks: unknown[], workflows: unknown[]): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
    const text = request.method === "POST" ? await request.text() : "";
    const url = new URL(request.url, "http://x");
    sent.push({ method: request.method, url, body: text ? JSON.parse(text) : undefined });
    const items = url.pathname === "/api/workflows" ? workflows : tasks;
    const byId = /^\/api\/(tasks|workflows)\/([^/]+)$/.exec(url.pathname);
    const body = request.method === "POST" ? task("Pending")
      : byId?.[1] === "tasks" ? { ...task("Succeeded"), id: byId[2], spec }
      : byId ? { ...workflow, steps: workflow.steps.map((s) => ({ ...s, task: { ...spec, command: [s.name] } })) }
      : { items, page: 1, pageSize: 50, total: items.length };
    return new Response(JSON.stringify(body), { status: request.method === "POST" ? 201 : 200, headers: { "content-type": "application/json" } });
  }));
  return sent;
}

function renderPage(permissions: string[]) {
  const value: OrgContextValue = { org, teams: [team], team, selectTeam: () => {}, can: (p) => permissions.includes(p), canIn: (_, p) => permissions.includes(p) };
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ToastProvider><MemoryRouter><OrgContext.Provider value={value}><Tasks /></OrgContext.Provider></MemoryRouter></ToastProvider>
    </QueryClientProvider>,
  );
}

describe("Tasks", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows each task's phase and output, and each workflow step's phase and output", async () => {
    serve([task("Succeeded", { greeting: "hello" }), task("Running")], [workflow]);
    renderPage(["deploy:read", "deploy:create", "deploy:manage"]);

    const tasks = await screen.findByRole("list", { name: "Tasks" });
    expect(within(tasks).getByText("Succeeded")).toBeInTheDocument();
    expect(JSON.parse(within(tasks).getByLabelText("Output").textContent!)).toEqual({ greeting: "hello" });
    expect(within(tasks).getAllByRole("button", { name: "Cancel" })).toHaveLength(1);   // only the unfinished one
    const steps = await screen.findByRole("list", { name: "Steps of wf-1" });
    expect(within(steps).getAllByRole("listitem").map((s) => s.textContent)).toEqual([
      expect.stringContaining("1. fetch"), expect.stringContaining("2. build"),
    ]);
    expect(JSON.parse(within(steps).getByLabelText("Output of fetch").textContent!)).toEqual({ commit: "c0ffee" });
  });

  it("starts a task with the command one argument per line and the input as NAME=value lines", async () => {
    const sent = serve([], []);
    renderPage(["deploy:read", "deploy:create"]);
    await screen.findByText("No tasks yet");

    fireEvent.change(screen.getByLabelText("Image"), { target: { value: "busybox:1.36" } });
    fireEvent.change(screen.getByLabelText("Command"), { target: { value: "sh\n-c\necho a=b" } });
    fireEvent.change(screen.getByLabelText("Input"), { target: { value: "greeting=hello=world\n\nrepo.url=https://x" } });
    fireEvent.change(screen.getByLabelText("Timeout (seconds)"), { target: { value: "120" } });
    fireEvent.click(screen.getByRole("button", { name: "Start task" }));

    await waitFor(() => expect(sent.some((s) => s.method === "POST")).toBe(true));
    expect(sent.find((s) => s.method === "POST")!.body).toEqual({
      teamId: "t1", image: "busybox:1.36", command: ["sh", "-c", "echo a=b"], input: { greeting: "hello=world", "repo.url": "https://x" }, timeoutSeconds: 120,
    });
  });

  it("reads what a task or workflow runs by id only when asked", async () => {
    const sent = serve([task("Succeeded")], [workflow]);
    renderPage(["deploy:read"]);
    const tasks = await screen.findByRole("list", { name: "Tasks" });
    await screen.findByRole("list", { name: "Steps of wf-1" });
    expect(sent.filter((s) => /\/api\/(tasks|workflows)\/./.test(s.url.pathname))).toEqual([]);

    fireEvent.click(within(tasks).getByText("What it runs"));
    fireEvent.click(within(screen.getByRole("list", { name: "Workflows" })).getByText("What it runs"));

    await waitFor(() => expect(within(tasks).getByLabelText("Spec").textContent).toContain("sh -c build"));
    const steps = await within(screen.getByRole("list", { name: "Workflows" })).findByLabelText("Spec");
    expect(steps.textContent).toContain("fetch: busybox:1.36");
    expect(steps.textContent).toContain("build: busybox:1.36");
    expect(sent.map((s) => s.url.pathname)).toEqual(expect.arrayContaining(["/api/tasks/id-Succeeded", "/api/workflows/w1"]));
  });

  it("sends an input named __proto__ as a member of its own", async () => {
    const { input } = parseInput("__proto__=x\nconstructor=y");
    expect(Object.keys(input)).toEqual(["__proto__", "constructor"]);
    expect(JSON.stringify(input)).toBe('{"__proto__":"x","constructor":"y"}');

    const sent = serve([], []);
    renderPage(["deploy:read", "deploy:create"]);
    await screen.findByText("No tasks yet");
    fireEvent.change(screen.getByLabelText("Image"), { target: { value: "busybox:1.36" } });
    fireEvent.change(screen.getByLabelText("Input"), { target: { value: "__proto__=x" } });
    fireEvent.click(screen.getByRole("button", { name: "Start task" }));

    await waitFor(() => expect(sent.some((s) => s.method === "POST")).toBe(true));
    const body = sent.find((s) => s.method === "POST")!.body as { input: Record<string, string> };
    expect(Object.entries(body.input)).toEqual([["__proto__", "x"]]);
  });

  it("refuses an input line without a name before sending, and offers viewers no form and no Cancel", async () => {
    expect(parseInput("=x").error).toContain("Line 1");
    expect(parseInput("ok=1\n2bad=x").error).toContain("Line 2");

    serve([task("Running")], []);
    renderPage(["deploy:read"]);
    await screen.findByRole("list", { name: "Tasks" });
    expect(screen.queryByRole("form", { name: "Start a task" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Cancel" })).toBeNull();
  });
});
