import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { api, ApiError, messageOf, unwrap, type Schemas } from "../api/client";
import { useAction, useMe } from "../api/hooks";
import { Shell } from "../app/Layout";
import { useToast } from "../app/toast";
import {
  Badge, Button, Card, ConfirmDialog, DataTable, ErrorPanel, Field, Loading, PageHeader, cellClass, formatTime, inputClass,
} from "../components/ui";

type ApiToken = Schemas["ApiTokenDto"];
type CreatedToken = Schemas["CreatedApiTokenDto"];

/** A browser session of the caller, as GET /api/sessions lists it. */
export type SessionInfo = {
  id: string; createdAt: string; lastSeenAt: string; expiresAt: string; userAgent?: string | null; ip?: string | null; current: boolean;
};

const accountKeys = { sessions: ["account", "sessions"] as const, tokens: ["account", "tokens"] as const };

/**
 * The sessions API (GET/DELETE /api/sessions, POST /api/sessions/revoke-others), called by hand against its contract:
 * the same origin, the same cookie and the same ProblemDetails handling as the typed client.
 */
async function sessionsCall<T>(method: "GET" | "DELETE" | "POST", path: string): Promise<T> {
  return unwrap(globalThis.fetch(new Request(`${globalThis.location?.origin ?? ""}${path}`, { method, credentials: "same-origin" }))
    .then(async (response) => {
      const body: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
      return response.ok ? { data: body as T, response } : { error: body, response };
    }));
}

/** Expiry choices for a new token (the server allows at most one year). */
const lifetimes = [
  { days: 7, label: "7 days" },
  { days: 30, label: "30 days" },
  { days: 90, label: "90 days" },
  { days: 365, label: "1 year" },
];

/** The signed-in person's own things: where they are signed in, and their API tokens. */
export function Account() {
  const me = useMe().data;
  return (
    <Shell>
      <PageHeader title="Account" subtitle={me?.user.email} />
      <div className="space-y-6">
        <Sessions />
        <Tokens organizations={me?.organizations ?? []} />
      </div>
    </Shell>
  );
}

function Sessions() {
  const notify = useToast();
  const [confirming, setConfirming] = useState(false);
  const sessions = useQuery({ queryKey: accountKeys.sessions, queryFn: () => sessionsCall<SessionInfo[]>("GET", "/api/sessions") });
  const revoke = useAction((id: string) => sessionsCall<void>("DELETE", `/api/sessions/${encodeURIComponent(id)}`), () => [accountKeys.sessions]);
  const revokeOthers = useAction(() => sessionsCall<{ revoked: number }>("POST", "/api/sessions/revoke-others"), () => [accountKeys.sessions]);
  const others = sessions.data?.filter((s) => !s.current).length ?? 0;
  return (
    <Card className="p-5">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 className="font-semibold text-slate-900">Where you are signed in</h2>
          <p className="text-sm text-slate-600">Sign out a browser you no longer use, or every one but this.</p>
        </div>
        <Button variant="secondary" disabled={others === 0} onClick={() => setConfirming(true)}>Sign out everywhere else</Button>
      </div>
      {sessions.error ? <div className="mt-3"><ErrorPanel error={sessions.error} retry={() => void sessions.refetch()} /></div>
        : !sessions.data ? <Loading what="sessions" /> : (
          <DataTable label="Sessions" columns={["Browser", "IP address", "Signed in", "Last active", ""]}>
            {sessions.data.map((s) => (
              <tr key={s.id}>
                <td className={`${cellClass} max-w-xs`}>
                  <span className="block truncate" title={s.userAgent ?? undefined}>{describeAgent(s.userAgent)}</span>
                  {s.current && <Badge tone="green">This browser</Badge>}
                </td>
                <td className={cellClass}>{s.ip || "unknown"}</td>
                <td className={cellClass}>{formatTime(s.createdAt)}</td>
                <td className={cellClass}>{formatTime(s.lastSeenAt)}</td>
                <td className={`${cellClass} text-right`}>
                  {!s.current && (
                    <Button variant="ghost" className="!px-2 text-red-700" busy={revoke.isPending && revoke.variables === s.id}
                      aria-label={`Sign out ${describeAgent(s.userAgent)} (${s.ip || "unknown address"})`}
                      onClick={() => revoke.mutate(s.id, {
                        onSuccess: () => notify("success", "That session is signed out."),
                        onError: (error) => notify("error", messageOf(error)),
                      })}>
                      Sign out
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      <ConfirmDialog open={confirming} title="Sign out everywhere else?" confirmLabel="Sign out others" danger busy={revokeOthers.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => revokeOthers.mutate(undefined, {
          onSuccess: ({ revoked }) => { setConfirming(false); notify("success", `Signed out of ${revoked} other session${revoked === 1 ? "" : "s"}.`); },
          onError: (error) => { setConfirming(false); notify("error", messageOf(error)); },
        })}>
        Every other browser and device signed in as you is signed out at once. This browser stays signed in.
      </ConfirmDialog>
    </Card>
  );
}

/** A short, readable name for a User-Agent string ("Firefox on Linux"); the full string is the title. */
export function describeAgent(agent: string | null | undefined) {
  if (!agent) return "Unknown browser";
  const browser = /Edg\//.test(agent) ? "Edge" : /Firefox\//.test(agent) ? "Firefox" : /Chrom(e|ium)\//.test(agent) ? "Chrome"
    : /Safari\//.test(agent) ? "Safari" : /curl\//.test(agent) ? "curl" : undefined;
  const system = /Windows/.test(agent) ? "Windows" : /Android/.test(agent) ? "Android" : /iPhone|iPad/.test(agent) ? "iOS"
    : /Mac OS X|Macintosh/.test(agent) ? "macOS" : /Linux/.test(agent) ? "Linux" : undefined;
  if (!browser) return agent.slice(0, 60);
  return system ? `${browser} on ${system}` : browser;
}

function Tokens({ organizations }: { organizations: { id: string; name: string }[] }) {
  const notify = useToast();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const tokens = useQuery({ queryKey: accountKeys.tokens, queryFn: () => unwrap(api.GET("/api/tokens")) });
  const revoke = useAction((id: string) => unwrap(api.DELETE("/api/tokens/{id}", { params: { path: { id } } })), () => [accountKeys.tokens]);
  const orgName = (id: string | null | undefined) => (id ? organizations.find((o) => o.id === id)?.name ?? "an organization you left" : "All your organizations");
  return (
    <Card className="p-5">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 className="font-semibold text-slate-900">API tokens</h2>
          <p className="text-sm text-slate-600">
            For scripts and integrations: send one as <code className="rounded bg-slate-100 px-1">Authorization: Bearer cs_…</code>.
            A token can do what you can do, never more; a read token only reads.
          </p>
        </div>
        {!creating && <Button onClick={() => setCreating(true)}>New token</Button>}
      </div>
      {creating && (
        <NewToken organizations={organizations} onCancel={() => setCreating(false)}
          onCreated={(token) => { setCreating(false); setCreated(token); }} />
      )}
      {tokens.error ? <div className="mt-3"><ErrorPanel error={tokens.error} retry={() => void tokens.refetch()} /></div>
        : !tokens.data ? <Loading what="API tokens" />
        : tokens.data.length === 0 ? <p className="mt-4 text-sm text-slate-600">You have no API tokens.</p> : (
          <DataTable label="API tokens" columns={["Name", "Scope", "Reaches", "Token", "Expires", "Last used", ""]}>
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <td className={`${cellClass} font-medium text-slate-900`}>{t.name}</td>
                <td className={cellClass}><Badge tone={t.scope === "write" ? "amber" : "blue"}>{t.scope}</Badge></td>
                <td className={cellClass}>{orgName(t.organizationId)}</td>
                <td className={cellClass}><code>{t.prefix}…</code></td>
                <td className={cellClass}>{new Date(t.expiresAt).toLocaleDateString()}</td>
                <td className={cellClass}>{t.lastUsedAt ? formatTime(t.lastUsedAt) : "never"}</td>
                <td className={`${cellClass} text-right`}>
                  <Button variant="ghost" className="!px-2 text-red-700" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>Revoke</Button>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      <ConfirmDialog open={!!revoking} title={`Revoke ${revoking?.name ?? "token"}?`} confirmLabel="Revoke" danger busy={revoke.isPending}
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking.id, {
          onSuccess: () => { notify("success", `${revoking.name} is revoked.`); setRevoking(null); },
          onError: (error) => { notify("error", messageOf(error)); setRevoking(null); },
        })}>
        Anything that still uses it is refused from now on. This cannot be undone.
      </ConfirmDialog>
      {created && <TokenCreated token={created} onDone={() => setCreated(null)} />}
    </Card>
  );
}

function NewToken({ organizations, onCancel, onCreated }: {
  organizations: { id: string; name: string }[]; onCancel: () => void; onCreated: (token: CreatedToken) => void;
}) {
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"read" | "write">("read");
  const [days, setDays] = useState(90);
  const [organizationId, setOrganizationId] = useState("");
  const create = useAction(
    () => unwrap(api.POST("/api/tokens", { body: {
      name: name.trim(), scope, organizationId: organizationId || null,
      expiresAt: new Date(Date.now() + days * 86_400_000).toISOString(),
    } })),
    () => [accountKeys.tokens],
  );
  const error = create.error instanceof ApiError ? create.error : undefined;
  return (
    <form noValidate aria-label="New API token" className="mt-4 grid gap-4 rounded-lg bg-slate-50 p-4 sm:grid-cols-2"
      onSubmit={(e) => { e.preventDefault(); create.mutate(undefined, { onSuccess: onCreated }); }}>
      <Field label="Name" hint="What it is for, e.g. “CI deploys”." error={error?.field("name")}>
        {(props) => <input {...props} autoFocus maxLength={100} value={name} onChange={(e) => setName(e.target.value)} className={inputClass} />}
      </Field>
      <Field label="Expires in" error={error?.field("expiresAt")}>
        {(props) => (
          <select {...props} value={days} onChange={(e) => setDays(Number(e.target.value))} className={inputClass}>
            {lifetimes.map((l) => <option key={l.days} value={l.days}>{l.label}</option>)}
          </select>
        )}
      </Field>
      <Field label="Scope" hint="Read: only reads. Write: everything your roles allow." error={error?.field("scope")}>
        {(props) => (
          <select {...props} value={scope} onChange={(e) => setScope(e.target.value === "write" ? "write" : "read")} className={inputClass}>
            <option value="read">Read</option>
            <option value="write">Write</option>
          </select>
        )}
      </Field>
      <Field label="Organizations" error={error?.field("organizationId")}>
        {(props) => (
          <select {...props} value={organizationId} onChange={(e) => setOrganizationId(e.target.value)} className={inputClass}>
            <option value="">All your organizations</option>
            {organizations.map((o) => <option key={o.id} value={o.id}>Only {o.name}</option>)}
          </select>
        )}
      </Field>
      {error && !["name", "scope", "expiresAt", "organizationId"].some((f) => error.field(f)) && (
        <p role="alert" className="text-sm text-red-700 sm:col-span-2">{error.message}</p>
      )}
      <div className="flex justify-end gap-2 sm:col-span-2">
        <Button variant="ghost" onClick={onCancel}>Cancel</Button>
        <Button type="submit" busy={create.isPending} disabled={!name.trim()}>Create token</Button>
      </div>
    </form>
  );
}

/** The new token's secret, shown this once, with a copy button and a clear warning. Closing forgets it. */
function TokenCreated({ token, onDone }: { token: CreatedToken; onDone: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  useEffect(() => { if (ref.current && !ref.current.open) ref.current.showModal?.(); }, []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };
  return (
    <dialog ref={ref} aria-labelledby={titleId} onCancel={(e) => { e.preventDefault(); onDone(); }}
      className="m-auto w-[min(34rem,calc(100vw-2rem))] rounded-xl p-0 shadow-xl backdrop:bg-slate-900/40">
      <div className="p-6">
        <h2 id={titleId} className="text-lg font-semibold text-slate-900">Token {token.name} created</h2>
        <p role="alert" className="mt-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-600/20">
          Copy it now: this is the only time it is shown. Store it where your script keeps secrets; if it is lost, revoke it and
          create another.
        </p>
        <label htmlFor={`${titleId}-secret`} className="mt-4 block text-sm font-medium text-slate-800">Your API token</label>
        <div className="mt-1 flex gap-2">
          <input id={`${titleId}-secret`} readOnly value={token.token} onFocus={(e) => e.currentTarget.select()}
            className={`${inputClass} font-mono`} />
          <Button variant="secondary" onClick={() => void copy()}>{copied === "yes" ? "Copied" : "Copy"}</Button>
        </div>
        <p aria-live="polite" className="mt-1 text-xs text-slate-500">
          {copied === "yes" ? "Copied to the clipboard." : copied === "failed" ? "Copying failed: select the token and copy it yourself." : ""}
        </p>
        <div className="mt-6 flex justify-end">
          <Button autoFocus onClick={onDone}>I have stored it</Button>
        </div>
      </div>
    </dialog>
  );
}
