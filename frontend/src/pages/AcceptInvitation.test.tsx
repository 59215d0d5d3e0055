import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AcceptInvitation } from "./AcceptInvitation";

const token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";
let status: string;
let calls: string[];
let acceptAnswer: { status: number; body: unknown };

const json = (body: unknown, code = 200) =>
  new Response(JSON.stringify(body), { status: code, headers: { "content-type": code >= 400 ? "application/problem+json" : "application/json" } });

beforeEach(() => {
  status = "pending";
  calls = [];
  acceptAnswer = { status: 200, body: { organizationId: "o1", teamId: "t1" } };
  vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
    const route = `${request.method} ${new URL(request.url).pathname}`;
    calls.push(route + (request.method === "POST" ? ` ${await request.text()}` : ""));
    if (route === "GET /api/branding") return json({ clientId: null, displayName: "Acme Cloud", logoUrl: null, primaryColor: "#0f766e" });
    if (route === `GET /api/invitations/by-token/${token}`)
      return json({ email: "bob@example.com", organizationName: "Acme", teamName: "Web", targetType: "team", role: "developer",
        invitedBy: "ana@example.com", expiresAt: "2026-12-07T10:00:00Z", status, clientName: "Acme Cloud" });
    if (route === "GET /api/invitations/by-token/unknown") return json({ status: 404, code: "invitation.not_found", title: "Not found" }, 404);
    if (route === "POST /api/invitations/accept") return json(acceptAnswer.body, acceptAnswer.status);
    if (route === "POST /api/invitations/decline") { status = "declined"; return new Response(null, { status: 204 }); }
    return json({ status: 404, code: "route.not_found" }, 404);
  }));
});

afterEach(() => vi.unstubAllGlobals());

function renderAt(path: string) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/invitations/:token" element={<AcceptInvitation />} />
          <Route path="/orgs/:orgId/teams" element={<p>Teams page</p>} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("the invitation page", () => {
  it("tells who invited whom where, and accepting leads to the organization's teams", async () => {
    const user = userEvent.setup();
    renderAt(`/invitations/${token}`);

    expect(await screen.findByText("ana@example.com")).toBeInTheDocument();
    expect(screen.getByText("Web")).toBeInTheDocument();
    expect(screen.getByText("Developer")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Accept invitation" }));

    expect(await screen.findByText("Teams page")).toBeInTheDocument();
    expect(calls).toContain(`POST /api/invitations/accept {"token":"${token}"}`);
  });

  it("shows why accepting was refused", async () => {
    acceptAnswer = { status: 403, body: { status: 403, code: "invitation.wrong_email", detail: "This invitation was sent to another e-mail address; sign in with the address it was sent to." } };
    const user = userEvent.setup();
    renderAt(`/invitations/${token}`);

    await user.click(await screen.findByRole("button", { name: "Accept invitation" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("sent to another e-mail address");
  });

  it("declines without an account and then says so", async () => {
    const user = userEvent.setup();
    renderAt(`/invitations/${token}`);

    await user.click(await screen.findByRole("button", { name: "Decline" }));

    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("This invitation was declined."));
    expect(screen.queryByRole("button", { name: "Accept invitation" })).toBeNull();
  });

  it("explains a link that leads nowhere", async () => {
    renderAt("/invitations/unknown");

    expect(await screen.findByRole("alert")).toHaveTextContent("This invitation link is not valid");
  });
});
