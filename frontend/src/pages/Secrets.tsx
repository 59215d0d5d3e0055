import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, messageOf, unwrap, type Schemas } from "../api/client";
import { useAction } from "../api/hooks";
import { useOrgContext } from "../app/org";
import { useToast } from "../app/toast";
import { Badge, Button, Card, ConfirmDialog, DataTable, EmptyState, ErrorPanel, Field, Loading, PageHeader, cellClass, formatTime, inputClass } from "../components/ui";

type SecretKey = Schemas["SecretKeyDto"];
type Scope = { organizationId: string; deploymentId?: string; service?: string };

const secretKeys = {
  list: (scope: Scope) => ["secrets", scope.organizationId, scope.deploymentId ?? "", scope.service ?? ""] as const,
  all: (organizationId: string) => ["secrets", organizationId] as const,
  effective: (deploymentId: string) => ["deployment", deploymentId, "secrets", "effective"] as const,
};

const tierTone = { organization: "blue", deployment: "green", service: "amber" } as const;

export function TierBadge({ tier }: { tier: string }) {
  return <Badge tone={tierTone[tier as keyof typeof tierTone] ?? "slate"}>{tier}</Badge>;
}

const useSecretList = (scope: Scope) =>
  useQuery({
    queryKey: secretKeys.list(scope),
    queryFn: () => unwrap(api.GET("/api/secrets", { params: { query: { organizationId: scope.organizationId, deploymentId: scope.deploymentId, service: scope.service } } })),
  });

/** The organization's secrets: keys only, set or replace and delete for owners and admins. */
export function Secrets() {
  const { org, can } = useOrgContext();
  return (
    <>
      <PageHeader title="Secrets" subtitle="Organization secrets reach every deployment of the organization and win over deployment and service secrets of the same key." />
      <SecretEditor scope={{ organizationId: org.id }} canWrite={can("org:manage_secrets")} />
    </>
  );
}

/** The Secrets tab of a deployment: where each key of each service comes from, and the deployment's and services' own secrets. */
export function DeploymentSecrets({ organizationId, deploymentId, services, canWrite }: {
  organizationId: string; deploymentId: string; services: string[]; canWrite: boolean;
}) {
  const effective = useQuery({
    queryKey: secretKeys.effective(deploymentId),
    queryFn: () => unwrap(api.GET("/api/deployments/{id}/secrets/effective", { params: { path: { id: deploymentId } } })),
  });
  return (
    <div className="space-y-6">
      <Card className="p-4">
        <h2 className="text-sm font-semibold text-slate-900">Effective secrets</h2>
        <p className="text-xs text-slate-500">What each service receives. On a key set at several tiers: organization, then deployment, then service.</p>
        {effective.error ? <ErrorPanel error={effective.error} retry={() => void effective.refetch()} />
          : !effective.data ? <Loading what="the effective secrets" />
          : effective.data.length === 0 ? <p className="mt-2 text-sm text-slate-600">No secrets reach this deployment.</p>
          : (
            <DataTable label="Effective secrets" columns={["Service", "Key", "Comes from"]}>
              {effective.data.map((e) => (
                <tr key={`${e.service}/${e.key}`}>
                  <td className={cellClass}>{e.service}</td>
                  <td className={`${cellClass} font-mono text-xs`}>{e.key}</td>
                  <td className={cellClass}><TierBadge tier={e.tier} /></td>
                </tr>
              ))}
            </DataTable>
          )}
      </Card>
      <SecretEditor scope={{ organizationId, deploymentId }} services={services} canWrite={canWrite} />
    </div>
  );
}

function SecretEditor({ scope, services, canWrite }: { scope: Scope; services?: string[]; canWrite: boolean }) {
  const list = useSecretList(scope);
  const notify = useToast();
  const [removing, setRemoving] = useState<SecretKey | null>(null);
  const invalidate = () => [secretKeys.all(scope.organizationId), ...(scope.deploymentId ? [secretKeys.effective(scope.deploymentId)] : [])];
  const remove = useAction(
    (secret: SecretKey) => unwrap(api.DELETE("/api/secrets", {
      params: { query: { organizationId: scope.organizationId, deploymentId: secret.deploymentId ?? undefined, service: secret.service ?? undefined, key: secret.key } },
    })),
    invalidate,
  );
  if (list.error) return <ErrorPanel error={list.error} retry={() => void list.refetch()} />;
  if (!list.data) return <Loading what="the secrets" />;
  return (
    <>
      {canWrite && <SetSecretForm scope={scope} services={services} invalidate={invalidate} />}
      {list.data.length === 0 ? <EmptyState title="No secrets set here yet" /> : (
        <Card className="p-4">
          <DataTable label="Secrets" columns={["Key", "Tier", ...(services ? ["Service"] : []), "Changed", ""]}>
            {list.data.map((s) => (
              <tr key={`${s.service ?? ""}/${s.key}`}>
                <td className={`${cellClass} font-mono text-xs`}>{s.key}</td>
                <td className={cellClass}><TierBadge tier={s.tier} /></td>
                {services && <td className={cellClass}>{s.service ?? "all services"}</td>}
                <td className={`${cellClass} text-slate-600`}>{formatTime(s.updatedAt)}{s.updatedBy ? ` by ${s.updatedBy}` : ""}</td>
                <td className={`${cellClass} text-right`}>
                  {canWrite && <Button variant="secondary" onClick={() => setRemoving(s)}>Delete</Button>}
                </td>
              </tr>
            ))}
          </DataTable>
        </Card>
      )}
      <ConfirmDialog
        open={removing !== null}
        title={`Delete ${removing?.key ?? ""}?`}
        confirmLabel="Delete"
        danger
        busy={remove.isPending}
        onCancel={() => setRemoving(null)}
        onConfirm={() => removing && remove.mutate(removing, {
          onSuccess: () => { notify("success", `${removing.key} was deleted.`); setRemoving(null); },
          onError: (error) => { notify("error", messageOf(error)); setRemoving(null); },
        })}
      >
        The deployments it reaches are published again without it.
      </ConfirmDialog>
    </>
  );
}

/** Set or replace one secret. The value field is write-only: it is cleared once sent and never filled from the server. */
function SetSecretForm({ scope, services, invalidate }: { scope: Scope; services?: string[]; invalidate: () => readonly (readonly string[])[] }) {
  const notify = useToast();
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [service, setService] = useState("");
  const [error, setError] = useState<string | undefined>();
  const set = useAction(
    () => unwrap(api.PUT("/api/secrets", { body: { organizationId: scope.organizationId, deploymentId: scope.deploymentId ?? null, service: service || null, key, value } })),
    () => invalidate().map((k) => [...k]),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return setError("An environment variable name: letters, digits and _, not starting with a digit.");
    setError(undefined);
    set.mutate(undefined, {
      onSuccess: () => { notify("success", `${key} was saved.`); setKey(""); setValue(""); },
      onError: (failure) => notify("error", messageOf(failure)),
    });
  };
  return (
    <Card className="mb-4 p-4">
      <form onSubmit={submit} className={`grid gap-3 sm:items-end ${services ? "sm:grid-cols-[1fr_2fr_auto_auto]" : "sm:grid-cols-[1fr_2fr_auto]"}`} aria-label="Set a secret">
        <Field label="Key" error={error}>{(p) => <input {...p} className={`${inputClass} font-mono`} value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" />}</Field>
        <Field label="Value" hint="Write-only: it cannot be shown again. Setting an existing key replaces its value.">
          {(p) => <textarea {...p} className={`${inputClass} font-mono`} rows={1} value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" spellCheck={false} />}
        </Field>
        {services && (
          <Field label="For">
            {(p) => (
              <select {...p} className={inputClass} value={service} onChange={(e) => setService(e.target.value)}>
                <option value="">All services (deployment)</option>
                {services.map((s) => <option key={s} value={s}>{s} (service)</option>)}
              </select>
            )}
          </Field>
        )}
        <Button type="submit" busy={set.isPending} disabled={!key || !value}>Save</Button>
      </form>
    </Card>
  );
}
