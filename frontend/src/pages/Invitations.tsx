import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, ApiError, messageOf, unwrap, type Schemas } from "../api/client";
import { useAction } from "../api/hooks";
import { roleLabels } from "../app/org";
import { useToast } from "../app/toast";
import { Badge, Button, ConfirmDialog, ErrorPanel, Field, inputClass } from "../components/ui";

export type Invitation = Schemas["InvitationDto"];

/** A day in the future, such as an expiry ("Dec 7, 2026"). */
export const formatDay = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });

export const invitationKeys = {
  org: (orgId: string) => ["org", orgId, "invitations"] as const,
  team: (teamId: string) => ["team", teamId, "invitations"] as const,
};

export const useOrgInvitations = (orgId: string, enabled: boolean) =>
  useQuery({
    queryKey: invitationKeys.org(orgId),
    enabled,
    queryFn: () => unwrap(api.GET("/api/orgs/{id}/invitations", { params: { path: { id: orgId } } })),
    refetchInterval: (query) => (query.state.data?.some((i) => i.mailStatus === "queued") ? 3000 : false),
  });

export const useTeamInvitations = (teamId: string, enabled: boolean) =>
  useQuery({
    queryKey: invitationKeys.team(teamId),
    enabled,
    queryFn: () => unwrap(api.GET("/api/teams/{id}/invitations", { params: { path: { id: teamId } } })),
    refetchInterval: (query) => (query.state.data?.some((i) => i.mailStatus === "queued") ? 3000 : false),
  });

const mailLabels: Record<string, { label: string; tone: "slate" | "green" | "red" }> = {
  queued: { label: "Mail queued", tone: "slate" },
  sent: { label: "Mail sent", tone: "green" },
  failed: { label: "Mail failed", tone: "red" },
};

/**
 * The "Invite by e-mail" button with its dialog (e-mail and role), and the open invitations of one organization or
 * team with their mail status, each with Resend and Revoke.
 */
/** An invitation the member form offers for an address without an account; a new `seq` remounts the panel with it (as `key`). */
export type InviteOffer = { email: string; role: string; seq: number };

export function InvitationPanel({ target, roles, invitations, invalidate, invite, offer }: {
  target: string;
  roles: string[];
  invitations: { data?: Invitation[]; error: unknown };
  invalidate: readonly (readonly unknown[])[];
  invite: (email: string, role: string) => Promise<Invitation>;
  offer?: InviteOffer;
}) {
  const notify = useToast();
  const [open, setOpen] = useState(!!offer);
  const [email, setEmail] = useState(offer?.email ?? "");
  const [role, setRole] = useState(offer && roles.includes(offer.role) ? offer.role : roles[0]!);
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const sending = useAction((input: { email: string; role: string }) => invite(input.email, input.role), () => [...invalidate]);
  const resending = useAction((id: string) => unwrap(api.POST("/api/invitations/{id}/resend", { params: { path: { id } } })), () => [...invalidate]);
  const revocation = useAction((id: string) => unwrap(api.DELETE("/api/invitations/{id}", { params: { path: { id } } })), () => [...invalidate]);
  const error = sending.error instanceof ApiError ? sending.error : undefined;
  const submit = () => sending.mutate({ email: email.trim(), role }, {
    onSuccess: (sent) => { notify("success", `Invitation sent to ${sent.email}.`); setOpen(false); setEmail(""); sending.reset(); },
  });
  return (
    <div className="mt-4 border-t border-slate-100 pt-4">
      <div className="flex items-center justify-between gap-2">
        <h3 className="text-sm font-semibold text-slate-800">Invitations</h3>
        <Button variant="secondary" onClick={() => setOpen(true)}>Invite by e-mail</Button>
      </div>
      {invitations.error ? <div className="mt-2"><ErrorPanel error={invitations.error} /></div> : (
        <ul className="mt-2 divide-y divide-slate-100" aria-label={`Invitations to ${target}`}>
          {(invitations.data ?? []).length === 0 && <li className="py-2 text-sm text-slate-500">No open invitations.</li>}
          {(invitations.data ?? []).map((i) => (
            <li key={i.id} className="flex flex-wrap items-center gap-2 py-2">
              <div className="min-w-0 flex-1">
                <p className="truncate text-sm font-medium text-slate-900">{i.email}</p>
                <p className="text-xs text-slate-500">
                  {roleLabels[i.role] ?? i.role} · {i.status === "expired" ? "expired" : `expires ${formatDay(i.expiresAt)}`}
                </p>
              </div>
              {i.status === "expired" && <Badge tone="amber">Expired</Badge>}
              <Badge tone={mailLabels[i.mailStatus]?.tone ?? "slate"}>{mailLabels[i.mailStatus]?.label ?? i.mailStatus}</Badge>
              <Button variant="ghost" className="!px-2" busy={resending.isPending && resending.variables === i.id} aria-label={`Resend the invitation to ${i.email}`}
                onClick={() => resending.mutate(i.id, { onSuccess: () => notify("success", `Invitation sent again to ${i.email}.`), onError: (e) => notify("error", messageOf(e)) })}>
                Resend
              </Button>
              <Button variant="ghost" className="!px-2 text-red-700" aria-label={`Revoke the invitation to ${i.email}`} onClick={() => setRevoking(i)}>Revoke</Button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog open={open} title={`Invite to ${target}`} confirmLabel="Send invitation" busy={sending.isPending}
        onCancel={() => { setOpen(false); sending.reset(); }} onConfirm={submit}>
        <form noValidate className="space-y-3" onSubmit={(e) => { e.preventDefault(); submit(); }}>
          <p>They get a mail with a link that works once and expires after 7 days.</p>
          <Field label="E-mail" error={error ? (error.field("email") ?? (error.field("role") ? undefined : error.message)) : undefined}>
            {(props) => <input {...props} type="email" value={email} onChange={(e) => setEmail(e.target.value)} placeholder="name@example.com" className={inputClass} />}
          </Field>
          <Field label="Role" error={error?.field("role")}>
            {(props) => <select {...props} value={role} onChange={(e) => setRole(e.target.value)} className={inputClass}>{roles.map((r) => <option key={r} value={r}>{roleLabels[r]}</option>)}</select>}
          </Field>
        </form>
      </ConfirmDialog>
      <ConfirmDialog open={!!revoking} title={`Revoke the invitation to ${revoking?.email}?`} confirmLabel="Revoke" danger busy={revocation.isPending}
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revocation.mutate(revoking.id, {
          onSuccess: () => { notify("success", `The invitation to ${revoking.email} was revoked.`); setRevoking(null); },
          onError: (e) => { notify("error", messageOf(e)); setRevoking(null); },
        })}>
        Its link stops working at once.
      </ConfirmDialog>
    </div>
  );
}
