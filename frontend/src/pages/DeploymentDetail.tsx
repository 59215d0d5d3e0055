import { useEffect, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { api, messageOf, unwrap } from "../api/client";
import { keys, useAction, useDeployment, useManifests, type DeploymentDetails } from "../api/hooks";
import { readSse } from "../api/sse";
import { useOrgContext } from "../app/org";
import { useToast } from "../app/toast";
import { Badge, Button, Card, ConfirmDialog, ErrorPanel, Loading, PageHeader, PhaseBadge, Spinner, formatTime } from "../components/ui";

type Action = "stop" | "start" | "delete";

export function DeploymentDetail() {
  const { id = "" } = useParams();
  const { org, canIn } = useOrgContext();
  const deployment = useDeployment(id);
  if (deployment.error) return <ErrorPanel error={deployment.error} retry={() => void deployment.refetch()} />;
  if (!deployment.data) return <Loading what="the deployment" />;
  const teamId = deployment.data.teamId;
  return <Details orgId={org.id} d={deployment.data} can={(p) => canIn(teamId, p)} />;
}

function Details({ orgId, d, can }: { orgId: string; d: DeploymentDetails; can: (permission: string) => boolean }) {
  const navigate = useNavigate();
  const notify = useToast();
  const [confirm, setConfirm] = useState<Action | null>(null);
  const [tab, setTab] = useState<"overview" | "manifests" | "logs">("overview");
  const act = useAction(
    async (action: Action) => {
      const path = { params: { path: { id: d.id } } };
      if (action === "delete") return void (await unwrap(api.DELETE("/api/deployments/{id}", path)));
      await unwrap(action === "stop" ? api.POST("/api/deployments/{id}/stop", path) : api.POST("/api/deployments/{id}/start", path));
    },
    () => [keys.deployment(d.id), keys.deployments(d.teamId), keys.usage(orgId)],
  );
  const run = (action: Action) =>
    act.mutate(action, {
      onSuccess: () => {
        setConfirm(null);
        notify("success", action === "delete" ? `${d.name} was deleted.` : action === "stop" ? `${d.name} is stopping.` : `${d.name} is starting.`);
        if (action === "delete") navigate(`/orgs/${orgId}`);
      },
      onError: (error) => { setConfirm(null); notify("error", messageOf(error)); },
    });

  const stopped = d.state === "stopped";
  const actions = (
    <>
      {can("deploy:manage") && (stopped
        ? <Button variant="secondary" onClick={() => setConfirm("start")}>Start</Button>
        : <Button variant="secondary" onClick={() => setConfirm("stop")}>Stop</Button>)}
      {can("deploy:delete") && <Button variant="danger" onClick={() => setConfirm("delete")}>Delete</Button>}
    </>
  );
  return (
    <>
      <PageHeader
        title={d.name}
        subtitle={<span className="inline-flex flex-wrap items-center gap-2"><PhaseBadge phase={d.phase} /> {d.templateName} · v{d.templateVersion} · changed {formatTime(d.updatedAt)}</span>}
        actions={actions}
      />
      <div role="tablist" aria-label="Deployment" className="mb-4 flex gap-1 border-b border-slate-200">
        {(["overview", "manifests", "logs"] as const).map((t) => (
          <button key={t} role="tab" type="button" aria-selected={tab === t} onClick={() => setTab(t)}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium capitalize ${tab === t ? "border-brand text-slate-900" : "border-transparent text-slate-600 hover:text-slate-900"}`}>
            {t}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === "overview" && <Overview d={d} />}
        {tab === "manifests" && <Manifests id={d.id} name={d.name} />}
        {tab === "logs" && <Logs id={d.id} />}
      </div>
      <ConfirmDialog
        open={confirm !== null}
        title={confirm === "delete" ? `Delete ${d.name}?` : confirm === "stop" ? `Stop ${d.name}?` : `Start ${d.name}?`}
        confirmLabel={confirm === "delete" ? "Delete" : confirm === "stop" ? "Stop" : "Start"}
        danger={confirm === "delete"}
        busy={act.isPending}
        onConfirm={() => confirm && run(confirm)}
        onCancel={() => setConfirm(null)}
      >
        {confirm === "delete" ? "Its services, data and address are removed, and its slot in your plan is freed. This cannot be undone."
          : confirm === "stop" ? "Every service scales to zero. Settings and data stay; start it again at any time."
          : "Its services start again with the same settings."}
      </ConfirmDialog>
    </>
  );
}

function Overview({ d }: { d: DeploymentDetails }) {
  const values = Object.entries(d.values ?? {});
  return (
    <div className="grid gap-4 lg:grid-cols-3">
      <Card className="p-5 lg:col-span-2">
        <h2 className="text-sm font-semibold text-slate-900">Status</h2>
        <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
          <dt className="text-slate-500">Phase</dt><dd><PhaseBadge phase={d.phase} /></dd>
          <dt className="text-slate-500">Desired</dt><dd className="capitalize">{d.state}</dd>
          {d.phaseMessage && (<><dt className="text-slate-500">Message</dt><dd>{d.phaseMessage}</dd></>)}
          <dt className="text-slate-500">Address</dt>
          <dd className="truncate">{d.url ? <a href={d.url} target="_blank" rel="noreferrer" className="font-medium text-brand hover:underline">{d.url}</a> : "—"}</dd>
          <dt className="text-slate-500">Created</dt><dd>{new Date(d.createdAt).toLocaleString()}</dd>
        </dl>
        <h2 className="mt-6 text-sm font-semibold text-slate-900">Services</h2>
        <div className="mt-2 overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr><th className="py-2 pr-4 font-medium">Service</th><th className="py-2 pr-4 font-medium">Image</th><th className="py-2 pr-4 font-medium">Replicas</th><th className="py-2 font-medium">Ports</th></tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {d.services.map((s) => (
                <tr key={s.name}>
                  <td className="py-2 pr-4 font-medium">{s.name}</td>
                  <td className="py-2 pr-4 font-mono text-xs">{s.image}</td>
                  <td className="py-2 pr-4">{d.state === "stopped" ? 0 : s.replicas}</td>
                  <td className="py-2">{s.ports.map((p) => <span key={p.name} className="mr-1"><Badge tone={p.public ? "blue" : "slate"}>{p.name}:{p.port}{p.public ? " public" : ""}</Badge></span>)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      <Card className="p-5">
        <h2 className="text-sm font-semibold text-slate-900">Settings</h2>
        {values.length === 0 && d.secretsSet.length === 0 ? <p className="mt-2 text-sm text-slate-500">Template defaults.</p> : (
          <dl className="mt-3 space-y-2 text-sm">
            {values.map(([k, v]) => <div key={k}><dt className="font-mono text-xs text-slate-500">{k}</dt><dd className="break-all">{String(v)}</dd></div>)}
            {d.secretsSet.map((k) => <div key={k}><dt className="font-mono text-xs text-slate-500">{k}</dt><dd>•••••••• <Badge>secret</Badge></dd></div>)}
          </dl>
        )}
      </Card>
    </div>
  );
}

function Manifests({ id, name }: { id: string; name: string }) {
  const manifests = useManifests(id);
  if (manifests.error) return <ErrorPanel error={manifests.error} retry={() => void manifests.refetch()} />;
  if (manifests.data === undefined) return <Loading what="the manifests" />;
  return (
    <Card>
      <div className="flex items-center justify-between border-b border-slate-200 px-4 py-2.5">
        <p className="text-sm text-slate-600">The Kubernetes objects this deployment is made of.</p>
        <a href={`/api/deployments/${id}/manifests?download=true`} download={`${name}.yaml`} className="text-sm font-semibold text-brand hover:underline">Download YAML</a>
      </div>
      <pre aria-label="Manifests" tabIndex={0} className="max-h-[32rem] overflow-auto p-4 font-mono text-xs leading-relaxed text-slate-800">{manifests.data}</pre>
    </Card>
  );
}

type LogLine = { pod: string; service: string; line: string };

function Logs({ id }: { id: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [state, setState] = useState<"connecting" | "live" | "ended" | { error: string }>("connecting");
  const bottom = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const controller = new AbortController();
    setLines([]);
    setState("connecting");
    unwrap(api.GET("/api/deployments/{id}/logs", {
      params: { path: { id }, query: { tailLines: 200, follow: true } },
      headers: { Accept: "text/event-stream" },
      parseAs: "stream",
      signal: controller.signal,
    }))
      .then((stream) => readSse(stream, (e) => {
        if (e.event === "log") { setState("live"); setLines((all) => [...all.slice(-1999), JSON.parse(e.data) as LogLine]); }
        else if (e.event === "error") setState({ error: (JSON.parse(e.data) as { detail?: string }).detail ?? "The log stream failed." });
      }))
      .then(() => setState((s) => (typeof s === "object" ? s : "ended")))
      .catch((e) => { if (!controller.signal.aborted) setState({ error: messageOf(e) }); });
    return () => controller.abort();
  }, [id]);
  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: "nearest" });
  }, [lines.length]);
  return (
    <Card className="overflow-hidden">
      <div className="flex items-center justify-between border-b border-slate-200 px-4 py-2.5 text-sm">
        <span className="text-slate-600">Live logs of every service</span>
        {state === "connecting" ? <Spinner small label="Connecting…" /> : state === "live" ? <Badge tone="green">live</Badge> : state === "ended" ? <Badge>ended</Badge> : null}
      </div>
      {typeof state === "object" ? (
        <p role="status" className="p-4 text-sm text-slate-600">{state.error}</p>
      ) : (
        <div role="log" aria-live="off" className="max-h-[32rem] overflow-auto bg-slate-950 p-4 font-mono text-xs leading-relaxed text-slate-100">
          {lines.length === 0 && state !== "connecting" && <p className="text-slate-400">No log lines yet.</p>}
          {lines.map((l, i) => <div key={i}><span className="text-sky-300">{l.service}</span> <span className="text-slate-500">{l.pod}</span> {l.line}</div>)}
          <div ref={bottom} />
        </div>
      )}
    </Card>
  );
}
