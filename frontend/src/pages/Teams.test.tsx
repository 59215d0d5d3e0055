import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OrgLayout } from "../app/OrgLayout";
import { ToastProvider } from "../app/toast";
import { Teams } from "./Teams";

const now = new Date().toISOString();
const owner = { userId: "u1", email: "owner@example.com", displayName: "owner", role: "org_owner", since: now };
const allOrg = ["org:read", "org:manage_members", "team:create"];
const allTeam = ["team:read", "team:manage_members"];

type Call = { method: string; path: string; body: unknown };
let calls: Call[];
let orgMembers: typeof owner[];
let teamMembers: typeof owner[];
let invitations: unknown[];

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" } });
const page = (items: unknown[]) => ({ items, page: 1, pageSize: 100, total: items.length });

beforeEach(() => {
  calls = [];
  orgMembers = [owner];
  teamMembers = [{ ...owner, role: "team_admin" }];
  invitations = [];
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) { this.setAttribute("open", ""); };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) { this.removeAttribute("open"); };
  vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
    const path = new URL(request.url).pathname;
    const body = request.method === "POST" ? await request.text().then((t) => (t ? JSON.parse(t) : undefined)) : undefined;
    calls.push({ method: request.method, path, body });
    const route = `${request.method} ${path}`;
    if (route === "GET /api/me") return json({ user: { id: "u1", email: owner.email, displayName: "owner", handle: "owner", isPlatformAdmin: false }, organizations: [{ id: "o1", name: "Acme" }], teams: [] });
    if (route === "GET /api/branding") return json({ clientId: null, displayName: "CleanScheduler", logoUrl: null, primaryColor: "#4f46e5" });
    if (route === "GET /api/orgs/o1") return json({ id: "o1", name: "Acme", slug: "acme", tier: "business", role: "org_owner", permissions: allOrg, defaultTeamId: "t1", memberCount: orgMembers.length, teamCount: 1, createdAt: now });
    if (route === "GET /api/orgs/o1/teams") return json(page([{ id: "t1", name: "Default", isDefault: true, role: "team_admin", permissions: allTeam, memberCount: teamMembers.length, memberLimit: null }]));
    if (route === "GET /api/orgs/o1/members") return json(page(orgMembers));
    if (route === "GET /api/teams/t1/members") return json(page(teamMembers));
    if (route === "GET /api/orgs/o1/invitations" || route === "GET /api/teams/t1/invitations") return json(invitations);
    if (route === "POST /api/teams/t1/members" && (body as { email: string }).email === "new@example.com")
      return json({ title: "Business rule violated", status: 409, code: "member.no_account",
        detail: "Nobody has signed in as 'new@example.com' yet, so they cannot be added directly; send them an invitation instead." }, 409);
    if (route === "POST /api/teams/t1/members") {
      const added = { userId: "u2", email: (body as { email: string }).email, displayName: "bob", role: "developer", since: now };
      teamMembers = [...teamMembers, added];
      orgMembers = [...orgMembers, { ...added, role: "org_member" }];   // a new person joins the organization too
      return json(added, 201);
    }
    if (route === "POST /api/teams/t1/invitations") {
      const sent = { id: "i1", email: (body as { email: string }).email, targetType: "team", targetId: "t1", targetName: "Default", role: (body as { role: string }).role,
        status: "pending", mailStatus: "sent", invitedBy: owner.email, createdAt: now, expiresAt: now };
      invitations = [sent];
      return json(sent, 201);
    }
    if (route === "POST /api/invitations/i1/resend") return json(invitations[0]);
    if (route === "DELETE /api/invitations/i1") { invitations = []; return new Response(null, { status: 204 }); }
    return json({ title: "Not found", status: 404, code: "route.not_found" }, 404);
  }));
});

afterEach(() => vi.unstubAllGlobals());

function renderTeams() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ToastProvider>
        <MemoryRouter initialEntries={["/orgs/o1/teams"]}>
          <Routes><Route path="/orgs/:orgId" element={<OrgLayout />}><Route path="teams" element={<Teams />} /></Route></Routes>
        </MemoryRouter>
      </ToastProvider>
    </QueryClientProvider>,
  );
}

describe("the Teams page", () => {
  it("counts the organization's members again after a team member is added, in words that fit the number", async () => {
    const user = userEvent.setup();
    renderTeams();
    expect(await screen.findByText("1 member in Acme")).toBeInTheDocument();
    const team = (await screen.findByRole("list", { name: "Team Default members" })).closest<HTMLElement>(".rounded-xl")!;

    await user.type(within(team).getByLabelText("Add by e-mail"), "bob@example.com");
    await user.click(within(team).getByRole("button", { name: "Add member" }));

    expect(await screen.findByText("2 members in Acme")).toBeInTheDocument();
    expect(within(screen.getByRole("list", { name: "Organization members" })).getByText("bob@example.com")).toBeInTheDocument();
  });

  it("invites by e-mail with a role, then lists the invitation with its mail status and revokes it", async () => {
    const user = userEvent.setup();
    renderTeams();
    await screen.findByRole("list", { name: "Invitations to team Default" });

    const buttons = screen.getAllByRole("button", { name: "Invite by e-mail" });
    await user.click(buttons[buttons.length - 1]!);
    const dialog = await screen.findByRole("dialog", { name: "Invite to team Default" });
    await user.type(within(dialog).getByLabelText("E-mail"), "carol@example.com");
    await user.selectOptions(within(dialog).getByLabelText("Role"), "developer");
    await user.click(within(dialog).getByRole("button", { name: "Send invitation" }));

    const listed = await screen.findByRole("list", { name: "Invitations to team Default" });
    expect(await within(listed).findByText("carol@example.com")).toBeInTheDocument();
    expect(within(listed).getByText("Mail sent")).toBeInTheDocument();
    expect(calls).toContainEqual({ method: "POST", path: "/api/teams/t1/invitations", body: { email: "carol@example.com", role: "developer" } });

    await user.click(within(listed).getByRole("button", { name: "Revoke the invitation to carol@example.com" }));
    await user.click(within(await screen.findByRole("dialog", { name: /Revoke the invitation/ })).getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(calls).toContainEqual({ method: "DELETE", path: "/api/invitations/i1", body: undefined }));
    await waitFor(() => expect(within(screen.getByRole("list", { name: "Invitations to team Default" })).queryByText("carol@example.com")).toBeNull());
  });

  it("says when an address has no account and offers to invite it with the role chosen", async () => {
    const user = userEvent.setup();
    renderTeams();
    const team = (await screen.findByRole("list", { name: "Team Default members" })).closest<HTMLElement>(".rounded-xl")!;

    await user.type(within(team).getByLabelText("Add by e-mail"), "new@example.com");
    await user.selectOptions(within(team).getByLabelText("Role"), "team_admin");
    await user.click(within(team).getByRole("button", { name: "Add member" }));

    expect(await within(team).findByRole("alert")).toHaveTextContent(/cannot be added directly; send them an invitation instead/);
    expect(within(screen.getByRole("list", { name: "Team Default members" })).queryByText("new@example.com")).toBeNull();
    await user.click(within(team).getByRole("button", { name: "Invite new@example.com instead" }));

    const dialog = await screen.findByRole("dialog", { name: "Invite to team Default" });
    expect(within(dialog).getByLabelText("E-mail")).toHaveValue("new@example.com");
    expect(within(dialog).getByLabelText("Role")).toHaveValue("team_admin");
    await user.click(within(dialog).getByRole("button", { name: "Send invitation" }));

    await waitFor(() => expect(calls).toContainEqual({ method: "POST", path: "/api/teams/t1/invitations", body: { email: "new@example.com", role: "team_admin" } }));
    expect(await within(await screen.findByRole("list", { name: "Invitations to team Default" })).findByText("new@example.com")).toBeInTheDocument();
    expect(within(team).queryByRole("button", { name: /instead/ })).toBeNull();
  });

  it("shows a failed mail and sends it again", async () => {
    invitations = [{ id: "i1", email: "dan@example.com", targetType: "team", targetId: "t1", targetName: "Default", role: "viewer",
      status: "pending", mailStatus: "failed", invitedBy: owner.email, createdAt: now, expiresAt: now }];
    const user = userEvent.setup();
    renderTeams();

    const listed = await screen.findByRole("list", { name: "Invitations to team Default" });
    expect(await within(listed).findByText("Mail failed")).toBeInTheDocument();
    await user.click(within(listed).getByRole("button", { name: "Resend the invitation to dan@example.com" }));

    await waitFor(() => expect(calls).toContainEqual({ method: "POST", path: "/api/invitations/i1/resend", body: undefined }));
  });
});
