import { useState } from "react";
import { api, ApiError, messageOf, unwrap } from "../api/client";
import { keys, useAction, useOrgMembers, useTeamMembers, type Member, type Team } from "../api/hooks";
import { orgRoleHelp, roleLabels, teamRoleHelp, useOrgContext } from "../app/org";
import { useToast } from "../app/toast";
import { Badge, Button, Card, ConfirmDialog, ErrorPanel, Field, Loading, PageHeader, inputClass } from "../components/ui";
import { InvitationPanel, invitationKeys, useOrgInvitations, useTeamInvitations, type InviteOffer } from "./Invitations";

const membersText = (count: number) => `${count} member${count === 1 ? "" : "s"}`;

/** The organization's members and each team's members: add by e-mail, change role, remove. */
export function Teams() {
  const { org, teams, team } = useOrgContext();
  const [selected, setSelected] = useState<string | undefined>(team?.id);
  const current = teams.find((t) => t.id === selected) ?? teams[0];
  return (
    <>
      <PageHeader title="Teams and members" subtitle={`${membersText(org.memberCount)} in ${org.name}`} actions={<NewTeam onCreated={setSelected} />} />
      <div className="grid gap-6 lg:grid-cols-2">
        <OrgMembers />
        <div>
          {teams.length > 1 && (
            <div className="mb-3 flex items-center gap-2 text-sm">
              <label htmlFor="team-select" className="text-slate-600">Team</label>
              <select id="team-select" value={current?.id} onChange={(e) => setSelected(e.target.value)} className="rounded-md border-0 py-1.5 pl-2 pr-8 text-sm ring-1 ring-inset ring-slate-300">
                {teams.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
              </select>
            </div>
          )}
          {current && <TeamMembers team={current} />}
        </div>
      </div>
    </>
  );
}

/** A new team (org owners and admins); it is selected once created. */
function NewTeam({ onCreated }: { onCreated: (id: string) => void }) {
  const { org, can } = useOrgContext();
  const notify = useToast();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const create = useAction((teamName: string) => unwrap(api.POST("/api/orgs/{id}/teams", { params: { path: { id: org.id } }, body: { name: teamName } })),
    () => [keys.teams(org.id), keys.org(org.id), keys.me]);
  if (!can("team:create")) return null;
  if (!open) return <Button variant="secondary" onClick={() => setOpen(true)}>New team</Button>;
  const error = create.error instanceof ApiError ? create.error : undefined;
  return (
    <form noValidate className="flex flex-wrap items-start gap-2" onSubmit={(e) => {
      e.preventDefault();
      create.mutate(name.trim(), { onSuccess: (team) => { notify("success", `Team ${team.name} created.`); onCreated(team.id); setOpen(false); setName(""); } });
    }}>
      <Field label="Team name" error={error ? (error.field("name") ?? error.message) : undefined}>
        {(props) => <input {...props} autoFocus value={name} onChange={(e) => setName(e.target.value)} className={inputClass} />}
      </Field>
      <div className="flex gap-2 pt-6">
        <Button type="submit" busy={create.isPending} disabled={!name.trim()}>Create</Button>
        <Button variant="ghost" onClick={() => setOpen(false)}>Cancel</Button>
      </div>
    </form>
  );
}

function OrgMembers() {
  const { org, can } = useOrgContext();
  const members = useOrgMembers(org.id);
  const manage = can("org:manage_members");
  const invitations = useOrgInvitations(org.id, manage);
  const base = `/api/orgs/{id}/members` as const;
  return (
    <MemberList
      title="Organization"
      invitations={manage ? (offer) => (
        <InvitationPanel key={offer?.seq} offer={offer} target={org.name} roles={["org_member", "org_admin", "org_owner"]}
          invitations={{ data: invitations.data?.filter((i) => i.targetType === "organization"), error: invitations.error }}
          invalidate={[invitationKeys.org(org.id), keys.audit(org.id, 1)]}
          invite={(email, role) => unwrap(api.POST("/api/orgs/{id}/invitations", { params: { path: { id: org.id } }, body: { email, role } }))} />
      ) : undefined}
      roles={["org_member", "org_admin", "org_owner"]}
      help={orgRoleHelp}
      members={members}
      manage={manage}
      invalidate={[keys.orgMembers(org.id), keys.org(org.id), keys.teams(org.id)]}
      add={(email, role) => unwrap(api.POST(base, { params: { path: { id: org.id } }, body: { email, role } }))}
      change={(userId, role) => unwrap(api.PATCH(`${base}/{userId}`, { params: { path: { id: org.id, userId } }, body: { role } }))}
      remove={(userId) => unwrap(api.DELETE(`${base}/{userId}`, { params: { path: { id: org.id, userId } } }))}
    />
  );
}

function TeamMembers({ team }: { team: Team }) {
  const { org } = useOrgContext();
  const members = useTeamMembers(team.id);
  const manage = team.permissions.includes("team:manage_members");
  const invitations = useTeamInvitations(team.id, manage);
  const base = `/api/teams/{id}/members` as const;
  return (
    <MemberList
      title={`Team ${team.name}`}
      subtitle={team.memberLimit ? `${team.memberCount} of ${team.memberLimit} members allowed by the plan` : membersText(team.memberCount)}
      invitations={manage ? (offer) => (
        <InvitationPanel key={offer?.seq} offer={offer} target={`team ${team.name}`} roles={["viewer", "developer", "team_admin"]} invitations={invitations}
          invalidate={[invitationKeys.team(team.id), invitationKeys.org(org.id)]}
          invite={(email, role) => unwrap(api.POST("/api/teams/{id}/invitations", { params: { path: { id: team.id } }, body: { email, role } }))} />
      ) : undefined}
      roles={["viewer", "developer", "team_admin"]}
      help={teamRoleHelp}
      members={members}
      manage={manage}
      invalidate={[keys.teamMembers(team.id), keys.org(org.id), keys.usage(org.id)]}
      add={(email, role) => unwrap(api.POST(base, { params: { path: { id: team.id } }, body: { email, role } }))}
      change={(userId, role) => unwrap(api.PATCH(`${base}/{userId}`, { params: { path: { id: team.id, userId } }, body: { role } }))}
      remove={(userId) => unwrap(api.DELETE(`${base}/{userId}`, { params: { path: { id: team.id, userId } } }))}
    />
  );
}

type ListProps = {
  title: string; subtitle?: string; invitations?: (offer?: InviteOffer) => React.ReactNode; roles: string[]; help: Record<string, string>; manage: boolean;
  members: ReturnType<typeof useOrgMembers>;
  invalidate: readonly (readonly unknown[])[];
  add: (email: string, role: string) => Promise<unknown>;
  change: (userId: string, role: string) => Promise<unknown>;
  remove: (userId: string) => Promise<unknown>;
};

function MemberList({ title, subtitle, invitations, roles, help, manage, members, invalidate, add, change, remove }: ListProps) {
  const notify = useToast();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState(roles[0]!);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [offer, setOffer] = useState<InviteOffer>();
  const adding = useAction((input: { email: string; role: string }) => add(input.email, input.role), () => [...invalidate]);
  const changing = useAction((input: { userId: string; role: string }) => change(input.userId, input.role), () => [...invalidate]);
  const removal = useAction((userId: string) => remove(userId), () => [...invalidate]);
  const addError = adding.error instanceof ApiError ? adding.error : undefined;
  // Only people with an account are added directly; the server answers member.no_account for anyone else.
  const noAccount = addError?.problem.code === "member.no_account" ? adding.variables : undefined;
  return (
    <Card className="p-5">
      <h2 className="font-semibold text-slate-900">{title}</h2>
      {subtitle && <p className="text-sm text-slate-600">{subtitle}</p>}
      {members.error ? <div className="mt-3"><ErrorPanel error={members.error} /></div> : !members.data ? <Loading what="members" /> : (
        <ul className="mt-3 divide-y divide-slate-100" aria-label={`${title} members`}>
          {members.data.items.map((m) => (
            <li key={m.userId} className="flex flex-wrap items-center gap-3 py-3">
              <div className="min-w-0 flex-1">
                <p className="truncate text-sm font-medium text-slate-900">{m.displayName}</p>
                <p className="truncate text-xs text-slate-500">{m.email}</p>
              </div>
              {manage ? (
                <>
                  <label className="sr-only" htmlFor={`role-${title}-${m.userId}`}>Role of {m.email}</label>
                  <select id={`role-${title}-${m.userId}`} value={m.role} disabled={changing.isPending}
                    onChange={(e) => changing.mutate({ userId: m.userId, role: e.target.value }, {
                      onSuccess: () => notify("success", `${m.email} is now ${roleLabels[e.target.value] ?? e.target.value}.`),
                      onError: (error) => notify("error", messageOf(error)),
                    })}
                    className="rounded-md border-0 py-1 pl-2 pr-7 text-sm ring-1 ring-inset ring-slate-300">
                    {roles.map((r) => <option key={r} value={r}>{roleLabels[r]}</option>)}
                  </select>
                  <Button variant="ghost" className="!px-2 text-red-700" onClick={() => setRemoving(m)} aria-label={`Remove ${m.email}`}>Remove</Button>
                </>
              ) : <Badge>{roleLabels[m.role] ?? m.role}</Badge>}
            </li>
          ))}
        </ul>
      )}
      {manage && (
        <form noValidate className="mt-4 space-y-3 border-t border-slate-100 pt-4" onSubmit={(e) => {
          e.preventDefault();
          adding.mutate({ email: email.trim(), role }, { onSuccess: () => { notify("success", `${email.trim()} was added.`); setEmail(""); } });
        }}>
          <div className="grid gap-3 sm:grid-cols-[1fr_auto]">
            <Field label="Add by e-mail" error={addError ? (addError.field("email") ?? addError.field("role") ?? addError.message) : undefined}>
              {(props) => <input {...props} type="email" value={email} onChange={(e) => setEmail(e.target.value)} placeholder="name@example.com" className={inputClass} />}
            </Field>
            <Field label="Role">
              {(props) => <select {...props} value={role} onChange={(e) => setRole(e.target.value)} className={inputClass}>{roles.map((r) => <option key={r} value={r}>{roleLabels[r]}</option>)}</select>}
            </Field>
          </div>
          <div className="flex justify-end gap-2">
            {noAccount && invitations && (
              <Button variant="secondary" onClick={() => { setOffer({ ...noAccount, seq: (offer?.seq ?? 0) + 1 }); adding.reset(); }}>Invite {noAccount.email} instead</Button>
            )}
            <Button type="submit" busy={adding.isPending} disabled={!email.trim()}>Add member</Button>
          </div>
        </form>
      )}
      {invitations?.(offer)}
      <details className="mt-4 text-sm text-slate-600">
        <summary className="cursor-pointer font-medium text-slate-800">What the roles may do</summary>
        <dl className="mt-2 space-y-1">
          {roles.map((r) => <div key={r}><dt className="inline font-medium text-slate-800">{roleLabels[r]}: </dt><dd className="inline">{help[r]}</dd></div>)}
        </dl>
      </details>
      <ConfirmDialog open={!!removing} title={`Remove ${removing?.email}?`} confirmLabel="Remove" danger busy={removal.isPending}
        onCancel={() => setRemoving(null)}
        onConfirm={() => removing && removal.mutate(removing.userId, {
          onSuccess: () => { notify("success", `${removing.email} was removed.`); setRemoving(null); },
          onError: (error) => { notify("error", messageOf(error)); setRemoving(null); },
        })}>
        They lose access at once. Their deployments stay.
      </ConfirmDialog>
    </Card>
  );
}
