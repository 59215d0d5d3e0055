import { EditorView } from "@codemirror/view";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Org, Team } from "../api/hooks";
import { OrgContext, type OrgContextValue } from "../app/org";
import { ToastProvider } from "../app/toast";
import { TemplateEditor } from "./TemplateEditor";

const org = { id: "o1", name: "Acme", permissions: [], defaultTeamId: "t1" } as unknown as Org;
const team = { id: "t1", name: "Default", role: "team_admin", permissions: [] } as unknown as Team;
const me = (templateDrafts: boolean) => ({
  user: { id: "u1", email: "ada@example.com", displayName: "Ada", handle: "ada", isPlatformAdmin: false },
  organizations: [], teams: [], capabilities: { templateDrafts },
});
const drafted = "services:\n  - name: web\n    imagee: nginx:1.27\n";

type Sent = { method: string; path: string; body: unknown };

function serve(templateDrafts: boolean, draft: unknown): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
    const text = request.method === "POST" ? await request.text() : "";
    const path = new URL(request.url, "http://x").pathname;
    sent.push({ method: request.method, path, body: text ? JSON.parse(text) : undefined });
    const answer = path === "/api/me" ? me(templateDrafts) : draft;
    return new Response(JSON.stringify(answer), { headers: { "content-type": "application/json" } });
  }));
  return sent;
}

function renderEditor() {
  const value: OrgContextValue = { org, teams: [team], team, selectTeam: () => {}, can: () => true, canIn: () => true };
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ToastProvider><MemoryRouter><OrgContext.Provider value={value}><TemplateEditor /></OrgContext.Provider></MemoryRouter></ToastProvider>
    </QueryClientProvider>,
  );
}

const editorText = () => EditorView.findFromDOM(screen.getByRole("textbox", { name: "Spec (YAML)" }))!.state.doc.toString();

describe("TemplateEditor", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("drafts a spec with AI from a description and marks what the server still found wrong", async () => {
    const sent = serve(true, { spec: drafted, valid: false, repairRounds: 2,
      errors: [{ line: 3, column: 5, path: "services[0]", message: "Unknown key 'imagee'." }] });
    renderEditor();

    fireEvent.change(await screen.findByLabelText("Describe the app"), { target: { value: "a web app with PostgreSQL and Redis" } });
    fireEvent.click(screen.getByRole("button", { name: "Draft with AI" }));

    await waitFor(() => expect(editorText()).toBe(drafted));
    expect(sent.find((s) => s.method === "POST")).toEqual({ method: "POST", path: "/api/templates/drafts",
      body: { teamId: "t1", prompt: "a web app with PostgreSQL and Redis" } });
    expect(screen.getByRole("list", { name: "Problems in the spec" })).toHaveTextContent("Line 3, column 5: services[0] — Unknown key 'imagee'.");
    expect(document.querySelector(".cm-lintRange-error")).toHaveTextContent("imagee: nginx:1.27");
    expect(screen.getByText(/still has problems after two repair rounds/)).toBeInTheDocument();
  });

  it("has no AI prompt when the server has drafts off", async () => {
    const sent = serve(false, null);
    renderEditor();

    await waitFor(() => expect(sent.some((s) => s.path === "/api/me")).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(screen.queryByLabelText("Describe the app")).toBeNull();
    expect(screen.queryByRole("button", { name: "Draft with AI" })).toBeNull();
  });
});
