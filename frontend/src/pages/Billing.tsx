import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api, messageOf, unwrap } from "../api/client";
import { useAction, usePlans } from "../api/hooks";
import { useOrgContext } from "../app/org";
import { useToast } from "../app/toast";
import { Badge, Button, Card, DataTable, ErrorPanel, Loading, PageHeader, cellClass } from "../components/ui";

export const billingKeys = {
  billing: (orgId: string) => ["org", orgId, "billing"] as const,
  invoices: (orgId: string) => ["org", orgId, "billing", "invoices"] as const,
};

export const useBilling = (orgId: string, enabled = true) =>
  useQuery({ queryKey: billingKeys.billing(orgId), enabled, queryFn: () => unwrap(api.GET("/api/orgs/{id}/billing", { params: { path: { id: orgId } } })) });

const statusTone = { active: "green", trialing: "green", past_due: "amber", canceled: "slate" } as const;

const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });

const money = (cents: number, currency: string) =>
  new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);

/** The organization's subscription (Stripe): plan and status, upgrade (Checkout), manage (Portal), invoices. Owners act; others see. */
export function Billing() {
  const { org, can } = useOrgContext();
  const owner = can("org:manage_billing");
  const billing = useBilling(org.id);
  const plans = usePlans();
  const [search] = useSearchParams();
  const invoices = useQuery({
    queryKey: billingKeys.invoices(org.id),
    enabled: owner,
    queryFn: () => unwrap(api.GET("/api/orgs/{id}/billing/invoices", { params: { path: { id: org.id } } })),
  });
  const notify = useToast();
  const go = (url: string) => window.location.assign(url);
  const checkout = useAction((planId: string) =>
    unwrap(api.POST("/api/orgs/{id}/billing/checkout", { params: { path: { id: org.id } }, body: { planId } })), () => []);
  const portal = useAction(() => unwrap(api.POST("/api/orgs/{id}/billing/portal", { params: { path: { id: org.id } } })), () => []);

  if (billing.error) return <ErrorPanel error={billing.error} retry={() => void billing.refetch()} />;
  if (!billing.data) return <Loading what="billing" />;
  const b = billing.data;
  const forSale = (plans.data ?? []).filter((p) => p.stripePriceId && p.id !== b.planId);
  return (
    <>
      <PageHeader title="Billing" subtitle={<>Plan <strong className="font-medium text-slate-800">{b.planName}</strong></>}
        actions={owner && b.hasCustomer && (
          <Button variant="secondary" busy={portal.isPending}
            onClick={() => portal.mutate(undefined, { onSuccess: (r) => go(r.url), onError: (e) => notify("error", messageOf(e)) })}>
            Manage billing
          </Button>
        )} />
      {search.get("checkout") === "success" && (
        <p role="status" className="mb-4 rounded-md bg-green-50 p-3 text-sm text-green-800">Thank you: the new plan applies as soon as Stripe confirms the payment.</p>
      )}
      {b.status === "past_due" && (
        <p role="alert" className="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900">
          The last payment failed. Update the payment method{b.graceEndsAt ? ` before ${day(b.graceEndsAt)}` : ""}; after that, new deployments,
          members and templates are limited to the Free plan's limits. Nothing is deleted.
        </p>
      )}
      <div className="grid gap-6 lg:grid-cols-2">
        <Card className="p-6">
          <h2 className="text-sm font-semibold text-slate-900">Subscription</h2>
          <dl className="mt-3 grid grid-cols-[1fr_auto] gap-y-2 text-sm">
            <dt className="text-slate-600">Plan</dt><dd>{b.planName}</dd>
            <dt className="text-slate-600">Status</dt><dd><Badge tone={statusTone[b.status as keyof typeof statusTone] ?? "slate"}>{b.status.replace("_", " ")}</Badge></dd>
            {b.currentPeriodEnd && (<><dt className="text-slate-600">{b.cancelAtPeriodEnd ? "Ends on" : "Renews on"}</dt><dd>{day(b.currentPeriodEnd)}</dd></>)}
          </dl>
        </Card>
        {owner && (
          <Card className="p-6">
            <h2 className="text-sm font-semibold text-slate-900">Change plan</h2>
            {b.subscribed ? <p className="mt-3 text-sm text-slate-600">Change or cancel the subscription with Manage billing.</p>
              : forSale.length === 0 ? <p className="mt-3 text-sm text-slate-600">No other plan is for sale.</p> : (
              <ul className="mt-3 space-y-3">
                {forSale.map((p) => (
                  <li key={p.id} className="flex items-center justify-between gap-4 text-sm">
                    <span><strong className="font-medium">{p.name}</strong> · {p.limits.maxDeployments ?? "unlimited"} deployments</span>
                    <Button busy={checkout.isPending && checkout.variables === p.id}
                      onClick={() => checkout.mutate(p.id, { onSuccess: (r) => go(r.url), onError: (e) => notify("error", messageOf(e)) })}>
                      Upgrade to {p.name}
                    </Button>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        )}
      </div>
      {owner && (
        <Card className="mt-6 p-6">
          <h2 className="text-sm font-semibold text-slate-900">Invoices</h2>
          {invoices.error ? <ErrorPanel error={invoices.error} /> : !invoices.data ? <Loading what="invoices" /> : invoices.data.length === 0
            ? <p className="mt-3 text-sm text-slate-600">No invoices yet.</p>
            : (
              <DataTable label="Invoices" columns={["Number", "Date", "Amount", "Status", ""]}>
                {invoices.data.map((i) => (
                  <tr key={i.id}>
                    <td className={cellClass}>{i.number ?? i.id}</td>
                    <td className={cellClass}>{day(i.date)}</td>
                    <td className={cellClass}>{money(i.amountDue, i.currency)}</td>
                    <td className={cellClass}><Badge tone={i.status === "paid" ? "green" : "amber"}>{i.status}</Badge></td>
                    <td className={cellClass}>{i.hostedUrl && <a className="text-brand hover:underline" href={i.hostedUrl} target="_blank" rel="noreferrer">View</a>}</td>
                  </tr>
                ))}
              </DataTable>
            )}
        </Card>
      )}
    </>
  );
}
