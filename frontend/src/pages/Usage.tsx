import { api, messageOf, unwrap } from "../api/client";
import { keys, useAction, useBranding, useMe, usePlans, useUsage } from "../api/hooks";
import { Link } from "react-router";
import { useOrgContext } from "../app/org";
import { useToast } from "../app/toast";
import { Badge, Card, ErrorPanel, Loading, PageHeader, UsageBar } from "../components/ui";

/** What the organization uses against its plan's limits. */
export function Usage() {
  const { org } = useOrgContext();
  const usage = useUsage(org.id);
  const me = useMe().data;
  const billingEnabled = useBranding().data?.billingEnabled;
  if (usage.error) return <ErrorPanel error={usage.error} retry={() => void usage.refetch()} />;
  if (!usage.data) return <Loading what="usage" />;
  const u = usage.data;
  return (
    <>
      <PageHeader title="Usage" subtitle={<>Plan <strong className="font-medium text-slate-800">{u.plan.name}</strong> · subscription {u.status}</>} />
      <UsageBanners usage={u} billingPage={billingEnabled ? `/orgs/${org.id}/billing` : null} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card className="space-y-5 p-6">
          <UsageBar label="Deployments" used={u.deployments.used} limit={u.deployments.limit} />
          <UsageBar label="Unfinished tasks" used={u.unfinishedTasks.used} limit={u.unfinishedTasks.limit} />
          {u.membersPerTeam.map((t) => <UsageBar key={t.teamId} label={`Members of ${t.name}`} used={t.members} limit={t.limit} />)}
        </Card>
        <Card className="p-6">
          <h2 className="text-sm font-semibold text-slate-900">What the plan includes</h2>
          <dl className="mt-3 grid grid-cols-[1fr_auto] gap-y-2 text-sm">
            <dt className="text-slate-600">Private and team templates</dt><dd>{u.customTemplates ? <Badge tone="green">yes</Badge> : <Badge>no</Badge>}</dd>
            <dt className="text-slate-600">Organization templates</dt><dd>{u.orgTemplates ? <Badge tone="green">yes</Badge> : <Badge>no</Badge>}</dd>
            <dt className="text-slate-600">Network isolation</dt><dd className="capitalize">{u.networkIsolation}</dd>
            {u.namespaceQuota && (<><dt className="text-slate-600">Namespace quota</dt><dd>{u.namespaceQuota.cpu} CPU · {u.namespaceQuota.memory} · {u.namespaceQuota.pods} pods</dd></>)}
          </dl>
          {me?.user.isPlatformAdmin && <PlanSwitch orgId={org.id} current={u.plan.id} />}
        </Card>
      </div>
    </>
  );
}

type UsageData = NonNullable<ReturnType<typeof useUsage>["data"]>;

/** Why new creations may be refused: a payment overdue (grace period), or more in use than the plan allows (after a downgrade). */
export function UsageBanners({ usage, billingPage }: { usage: UsageData; billingPage: string | null }) {
  const over = [
    ...(usage.deployments.limit != null && usage.deployments.used > usage.deployments.limit ? [`${usage.deployments.used} deployments (the plan allows ${usage.deployments.limit})`] : []),
    ...usage.membersPerTeam.filter((t) => t.limit != null && t.members > t.limit).map((t) => `${t.members} members in ${t.name} (the plan allows ${t.limit})`),
  ];
  const upgrade = billingPage && <> <Link className="font-medium underline" to={billingPage}>Billing</Link></>;
  return (
    <>
      {usage.status === "past_due" && (
        <p role="alert" className="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900">
          Payment overdue{usage.graceEndsAt ? `: after ${new Date(usage.graceEndsAt).toLocaleDateString()} new creations get the Free plan's limits` : ""}. Nothing is deleted.{upgrade}
        </p>
      )}
      {over.length > 0 && (
        <p role="alert" className="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-800">
          Over the {usage.plan.name} plan's limits: {over.join("; ")}. Everything keeps running, but new ones are refused until you are within the limits or upgrade.{upgrade}
        </p>
      )}
    </>
  );
}

/** Platform admins only: move the organization to another plan. */
function PlanSwitch({ orgId, current }: { orgId: string; current: string }) {
  const plans = usePlans();
  const notify = useToast();
  const change = useAction((plan: string) => unwrap(api.PUT("/api/orgs/{id}/plan", { params: { path: { id: orgId } }, body: { plan } })),
    () => [keys.usage(orgId), keys.org(orgId), keys.teams(orgId)]);
  return (
    <div className="mt-6 border-t border-slate-100 pt-4">
      <label htmlFor="plan" className="block text-sm font-medium text-slate-800">Plan (platform admin)</label>
      <select id="plan" value={current} disabled={change.isPending || !plans.data}
        onChange={(e) => change.mutate(plans.data?.find((p) => p.id === e.target.value)?.code ?? e.target.value, {
          onSuccess: (org) => notify("success", `${org.name} is now on ${org.plan.name}.`),
          onError: (error) => notify("error", messageOf(error)),
        })}
        className="mt-1 rounded-md border-0 py-1.5 pl-2 pr-8 text-sm ring-1 ring-inset ring-slate-300">
        {plans.data?.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
      </select>
    </div>
  );
}
