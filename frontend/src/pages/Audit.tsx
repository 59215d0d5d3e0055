import { useState } from "react";
import { useAudit } from "../api/hooks";
import { useOrgContext } from "../app/org";
import { Button, Card, EmptyState, ErrorPanel, Loading, PageHeader } from "../components/ui";

/** Every change in the organization, newest first (owners and admins). */
export function Audit() {
  const { org } = useOrgContext();
  const [page, setPage] = useState(1);
  const audit = useAudit(org.id, page);
  if (audit.error) return <ErrorPanel error={audit.error} retry={() => void audit.refetch()} />;
  if (!audit.data) return <Loading what="the audit log" />;
  const { items, total, pageSize } = audit.data;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <>
      <PageHeader title="Audit log" subtitle={`${total} entries`} />
      {items.length === 0 ? <EmptyState title="Nothing recorded yet" /> : (
        <Card className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 text-xs uppercase text-slate-500">
              <tr><th className="px-4 py-2.5 font-medium">When</th><th className="px-4 py-2.5 font-medium">Who</th><th className="px-4 py-2.5 font-medium">What</th><th className="px-4 py-2.5 font-medium">Details</th></tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((e) => (
                <tr key={e.id} className="align-top">
                  <td className="whitespace-nowrap px-4 py-2.5 text-slate-600">{new Date(e.occurredAt).toLocaleString()}</td>
                  <td className="px-4 py-2.5">{e.actor.email ?? "system"}</td>
                  <td className="px-4 py-2.5 font-mono text-xs">{e.action}</td>
                  <td className="max-w-xs truncate px-4 py-2.5 font-mono text-xs text-slate-600" title={JSON.stringify(e.details)}>{JSON.stringify(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="flex items-center justify-between border-t border-slate-200 px-4 py-2.5 text-sm">
            <span className="text-slate-600">Page {page} of {pages}</span>
            <div className="flex gap-2">
              <Button variant="secondary" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>Newer</Button>
              <Button variant="secondary" disabled={page >= pages} onClick={() => setPage((p) => p + 1)}>Older</Button>
            </div>
          </div>
        </Card>
      )}
    </>
  );
}
