import { useEffect } from "react";
import { Link } from "react-router";
import { useDeployments, type DeploymentSummary } from "../api/hooks";
import { TeamPicker } from "../app/OrgLayout";
import { useOrgContext } from "../app/org";
import { ButtonLink, Card, EmptyState, ErrorPanel, Loading, PageHeader, PhaseBadge, formatTime } from "../components/ui";

/** The organization's home: the selected team's deployments as cards. */
export function Dashboard() {
  const context = useOrgContext();
  const { org, team, can } = context;
  const deployments = useDeployments(team?.id);
  useEffect(() => localStorage.setItem("cleanscheduler.org", org.id), [org.id]);
  const deploy = can("deploy:create") ? <ButtonLink to={`/orgs/${org.id}/deploy`}>Deploy</ButtonLink> : null;
  const items = deployments.data?.items ?? [];
  return (
    <>
      <PageHeader
        title="Deployments"
        subtitle={team ? <>Team <strong className="font-medium text-slate-800">{team.name}</strong> in {org.name}</> : org.name}
        actions={<><TeamPicker value={context} />{items.length > 0 && deploy}</>}
      />
      {!team ? (
        <EmptyState title="You are in no team yet">Ask an admin of {org.name} to add you to a team.</EmptyState>
      ) : deployments.error ? (
        <ErrorPanel error={deployments.error} retry={() => void deployments.refetch()} />
      ) : !deployments.data ? (
        <Loading what="deployments" />
      ) : items.length === 0 ? (
        <EmptyState title="Nothing deployed yet" action={deploy}>
          {deploy ? "Pick a template, fill in its settings, and it runs in minutes." : "When your team deploys something, it shows up here."}
        </EmptyState>
      ) : (
        <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label="Deployments">
          {items.map((d) => <DeploymentCard key={d.id} orgId={org.id} deployment={d} />)}
        </ul>
      )}
    </>
  );
}

function DeploymentCard({ orgId, deployment: d }: { orgId: string; deployment: DeploymentSummary }) {
  return (
    <li>
      <Card className="relative flex h-full flex-col p-5 transition hover:shadow-md focus-within:ring-2 focus-within:ring-brand">
        <div className="flex items-start justify-between gap-3">
          <h2 className="min-w-0 truncate font-semibold text-slate-900">
            <Link to={`/orgs/${orgId}/deployments/${d.id}`} className="after:absolute after:inset-0 focus:outline-none">{d.name}</Link>
          </h2>
          <PhaseBadge phase={d.phase} />
        </div>
        <p className="mt-1 truncate text-sm text-slate-600">{d.templateName} · v{d.templateVersion}</p>
        {d.url && d.state !== "stopped" && (
          <a href={d.url} target="_blank" rel="noreferrer" className="relative z-10 mt-3 truncate text-sm font-medium text-brand hover:underline">
            {d.url.replace(/^https?:\/\//, "")}
          </a>
        )}
        <p className="mt-auto pt-4 text-xs text-slate-500">
          {d.state === "stopped" ? "Stopped" : "Changed"} {formatTime(d.updatedAt)}
        </p>
      </Card>
    </li>
  );
}
