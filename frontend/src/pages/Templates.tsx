import { Link } from "react-router";
import { useTemplates, type TemplateSummary } from "../api/hooks";
import { TeamPicker } from "../app/OrgLayout";
import { useOrgContext } from "../app/org";
import { Badge, ButtonLink, Card, EmptyState, ErrorPanel, Loading, PageHeader, formatTime } from "../components/ui";

const order = ["system", "org", "team", "private"] as const;
const headings: Record<string, string> = { system: "System templates", org: "Organization", team: "Team", private: "Private (yours)" };

/** Templates the selected team may use, grouped by visibility. */
export function Templates() {
  const context = useOrgContext();
  const { org, team, can } = context;
  const templates = useTemplates(team?.id);
  const create = can("templates:create") ? <ButtonLink to={`/orgs/${org.id}/templates/new`}>New template</ButtonLink> : null;
  const items = templates.data?.items ?? [];
  return (
    <>
      <PageHeader title="Templates" subtitle="Reusable multi-service blueprints. Deploy one from the Deploy page." actions={<><TeamPicker value={context} />{create}</>} />
      {templates.error ? <ErrorPanel error={templates.error} retry={() => void templates.refetch()} />
        : !templates.data ? <Loading what="templates" />
        : items.length === 0 ? <EmptyState title="No templates" action={create} />
        : order.filter((v) => items.some((t) => t.visibility === v)).map((visibility) => (
          <section key={visibility} className="mb-8" aria-labelledby={`h-${visibility}`}>
            <h2 id={`h-${visibility}`} className="mb-3 text-sm font-semibold uppercase tracking-wide text-slate-500">{headings[visibility]}</h2>
            <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              {items.filter((t) => t.visibility === visibility).map((t) => <TemplateCard key={t.id} orgId={org.id} t={t} />)}
            </ul>
          </section>
        ))}
    </>
  );
}

function TemplateCard({ orgId, t }: { orgId: string; t: TemplateSummary }) {
  return (
    <li>
      <Card className="relative h-full p-5 transition hover:shadow-md focus-within:ring-2 focus-within:ring-brand">
        <div className="flex items-start justify-between gap-2">
          <h3 className="font-semibold text-slate-900">
            <Link to={`/orgs/${orgId}/templates/${t.id}`} className="after:absolute after:inset-0 focus:outline-none">{t.name}</Link>
          </h3>
          <Badge tone={t.visibility === "system" ? "blue" : "slate"}>v{t.currentVersion}</Badge>
        </div>
        <p className="mt-1 line-clamp-3 text-sm text-slate-600">{t.description}</p>
        <p className="mt-3 text-xs text-slate-500">Updated {formatTime(t.updatedAt)}</p>
      </Card>
    </li>
  );
}
