import { zodResolver } from "@hookform/resolvers/zod";
import { Suspense, lazy, useEffect, useMemo, useRef, useState } from "react";
import { useForm, type Resolver } from "react-hook-form";
import { useNavigate, useParams } from "react-router";
import { api, messageOf, unwrap } from "../api/client";
import { keys, useAction, useDeployment, useManifests, useTemplate, type DeploymentDetails, type Setting } from "../api/hooks";
import { followSse } from "../api/sse";
import { useOrgContext } from "../app/org";
import { useToast } from "../app/toast";
import { Badge, Button, Card, ConfirmDialog, DataTable, ErrorPanel, Loading, PageHeader, PhaseBadge, Spinner, cellClass, formatTime } from "../components/ui";
import { reconfigureDefaults, reconfigureSchema, valuesToSend } from "./deployForm";
import { Tabs } from "../components/Tabs";
import { SettingFields, placeFieldErrors } from "./SettingFields";
import { DeploymentSecrets } from "./Secrets";

type Action = "stop" | "start" | "delete";

// Recharts is loaded with the tab that draws the charts, not with the first page.
const DeploymentMetrics = lazy(() => import("./DeploymentMetrics"));

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
  const [tab, setTab] = useState<"overview" | "metrics" | "secrets" | "manifests" | "logs">("overview");
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
      <Tabs tabs={["overview", "metrics", "secrets", "manifests", "logs"] as const} current={tab} onChange={setTab} label="Deployment">
        {tab === "overview" && <Overview orgId={orgId} d={d} canEdit={can("deploy:manage")} />}
        {tab === "metrics" && <Suspense fallback={<Loading what="the charts" />}><DeploymentMetrics id={d.id} /></Suspense>}
        {tab === "secrets" && <DeploymentSecrets organizationId={orgId} deploymentId={d.id} services={d.services.map((s) => s.name)} canWrite={can("secrets:write")} />}
        {tab === "manifests" && <Manifests id={d.id} name={d.name} />}
        {tab === "logs" && <Logs id={d.id} services={d.services.map((s) => s.name)} />}
      </Tabs>
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

function Overview({ orgId, d, canEdit }: { orgId: string; d: DeploymentDetails; canEdit: boolean }) {
  const values = Object.entries(d.values ?? {});
  const [editing, setEditing] = useState(false);
  const stopped = d.state === "stopped";
  return (
    <div className="grid gap-4 lg:grid-cols-3">
      <div className="space-y-4 lg:col-span-2">
        <Card className="p-5">
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
          <DataTable columns={["Service", "Image", "Ready", "Ports"]}>
            {d.services.map((s) => (
              <tr key={s.name}>
                <td className={`${cellClass} font-medium`}>{s.name}</td>
                <td className={`${cellClass} font-mono text-xs`}>{s.image}</td>
                <td className={`${cellClass} whitespace-nowrap`} title={s.readyReplicas == null ? "Not reported by the cluster yet" : undefined}>
                  {s.readyReplicas ?? "–"} / {stopped ? 0 : s.replicas}
                </td>
                <td className={cellClass}>{s.ports.map((p) => <span key={p.name} className="mr-1"><Badge tone={p.public ? "blue" : "slate"}>{p.name}:{p.port}{p.public ? " public" : ""}</Badge></span>)}</td>
              </tr>
            ))}
          </DataTable>
        </Card>
        <Conditions d={d} />
      </div>
      {editing ? (
        <SettingsForm orgId={orgId} d={d} onDone={() => setEditing(false)} />
      ) : (
        <Card className="self-start p-5">
          <div className="flex items-center justify-between gap-2">
            <h2 className="text-sm font-semibold text-slate-900">Settings</h2>
            {canEdit && <Button variant="secondary" onClick={() => setEditing(true)}>Edit</Button>}
          </div>
          {values.length === 0 && d.secretsSet.length === 0 ? <p className="mt-2 text-sm text-slate-500">Template defaults.</p> : (
            <dl className="mt-3 space-y-2 text-sm">
              {values.map(([k, v]) => <div key={k}><dt className="font-mono text-xs text-slate-500">{k}</dt><dd className="break-all">{String(v)}</dd></div>)}
              {d.secretsSet.map((k) => <div key={k}><dt className="font-mono text-xs text-slate-500">{k}</dt><dd>•••••••• <Badge>secret</Badge></dd></div>)}
            </dl>
          )}
        </Card>
      )}
    </div>
  );
}

/** The cluster's conditions, as `kubectl describe` shows them: type, status, reason, message, and since when. */
function Conditions({ d }: { d: DeploymentDetails }) {
  return (
    <Card className="p-5">
      <h2 className="text-sm font-semibold text-slate-900">Conditions</h2>
      {d.conditions.length === 0 ? (
        <p className="mt-2 text-sm text-slate-500">
          {d.phase === "Pending" ? "The cluster has not reported on the current settings yet." : "No conditions reported."}
        </p>
      ) : (
        <DataTable label="Conditions" columns={["Type", "Status", "Reason", "Message", "Since"]}>
          {d.conditions.map((c) => (
            <tr key={c.type}>
              <td className={`${cellClass} font-medium`}>{c.type}</td>
              <td className={cellClass}><Badge tone={conditionTone(c.type, c.status)}>{c.status}</Badge></td>
              <td className={`${cellClass} font-mono text-xs`}>{c.reason || "—"}</td>
              <td className={`${cellClass} break-words`}>{c.message || "—"}</td>
              <td className={`${cellClass} whitespace-nowrap text-slate-600`}>{c.lastTransitionTime ? formatTime(c.lastTransitionTime) : "—"}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}

/** Green when the condition is as a healthy deployment has it (Ready True, Degraded False), red when Degraded, else neutral. */
function conditionTone(type: string, status: string): "green" | "red" | "amber" | "slate" {
  if (status === "Unknown") return "slate";
  const on = status === "True";
  if (type === "Degraded") return on ? "red" : "green";
  if (type === "Ready") return on ? "green" : "amber";
  return on ? "amber" : "slate";
}

/** Change a deployment's settings, or move it to the template's newest version; it is rolled out again. */
function SettingsForm({ orgId, d, onDone }: { orgId: string; d: DeploymentDetails; onDone: () => void }) {
  const latest = useTemplate(d.templateId);
  const pinned = useTemplate(d.templateId, d.templateVersion);
  const [upgrade, setUpgrade] = useState(false);
  const failed = latest.error ?? pinned.error;
  if (failed) return <div className="self-start"><ErrorPanel error={failed} retry={() => { void latest.refetch(); void pinned.refetch(); }} /></div>;
  if (!latest.data || !pinned.data) return <Card className="self-start p-5"><Loading what="the settings" /></Card>;
  const target = upgrade ? latest.data : pinned.data;
  return (
    <Card className="self-start p-5">
      <h2 className="text-sm font-semibold text-slate-900">Edit settings</h2>
      {latest.data.version > d.templateVersion && (
        <label className="mt-3 flex items-start gap-2 text-sm">
          <input type="checkbox" checked={upgrade} onChange={(e) => setUpgrade(e.target.checked)} className="mt-0.5 size-4 accent-brand" />
          <span>Move to the template's newest version, v{latest.data.version} <span className="text-slate-500">(now v{d.templateVersion})</span></span>
        </label>
      )}
      <SettingsFormFields orgId={orgId} d={d} version={target.version} settings={target.settings} onDone={onDone} />
    </Card>
  );
}

type SettingsValues = { values: Record<string, string> };

/** The settings form; what was typed survives a change of template version (a setting the new version lacks is not sent). */
function SettingsFormFields({ orgId, d, version, settings, onDone }: {
  orgId: string; d: DeploymentDetails; version: number; settings: Setting[]; onDone: () => void;
}) {
  const notify = useToast();
  const schema = useMemo(() => reconfigureSchema(settings, d.secretsSet), [settings, d.secretsSet]);
  const form = useForm<SettingsValues>({
    resolver: zodResolver(schema) as unknown as Resolver<SettingsValues>,   // built at run time from the settings
    defaultValues: { values: reconfigureDefaults(settings, d.values ?? {}) },
  });
  useEffect(() => {
    const typed = form.getValues("values") ?? {};
    const starting = reconfigureDefaults(settings, d.values ?? {});
    for (const s of settings) if (typed[s.name] === undefined) form.setValue(`values.${s.name}`, starting[s.name] ?? "");
  }, [settings, d.values, form]);
  const save = useAction(
    (input: SettingsValues) => unwrap(api.PUT("/api/deployments/{id}/values", {
      params: { path: { id: d.id } },
      body: { templateVersion: version, values: valuesToSend(input, settings) },
    })),
    () => [keys.deployment(d.id), keys.deployments(d.teamId), keys.manifests(d.id), keys.usage(orgId)],
  );
  const submit = (input: SettingsValues) =>
    save.mutate(input, {
      onSuccess: (saved) => {
        notify("success", saved.state === "running" ? `${d.name} is being rolled out with the new settings.` : `${d.name}'s settings were saved; they apply when it starts.`);
        onDone();
      },
      onError: (error) => { if (!placeFieldErrors(error, form.setError, [])) notify("error", messageOf(error)); },
    });
  return (
    <form noValidate onSubmit={form.handleSubmit(submit)} className="mt-4 space-y-5">
      {settings.length === 0 ? <p className="text-sm text-slate-500">This template version has no settings.</p>
        : <SettingFields settings={settings} register={form.register} errors={form.formState.errors} secretsSet={d.secretsSet} legendHidden />}
      <p className="text-xs text-slate-500">An empty field takes the template's default. Saving rolls the deployment out again.</p>
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone} disabled={save.isPending}>Cancel</Button>
        <Button type="submit" busy={save.isPending}>{save.isPending ? "Saving…" : "Save"}</Button>
      </div>
    </form>
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
      <pre aria-label="Manifest YAML" tabIndex={0} className="max-h-[32rem] overflow-auto p-4 font-mono text-xs leading-relaxed text-slate-800">{manifests.data}</pre>
    </Card>
  );
}

type LogLine = { pod: string; service: string; line: string };

const sinceChoices = [["", "from the last 200 lines"], ["15m", "last 15 minutes"], ["1h", "last hour"], ["24h", "last day"]] as const;

function Logs({ id, services }: { id: string; services: string[] }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [state, setState] = useState<"connecting" | "live" | "ended" | { error: string }>("connecting");
  const [service, setService] = useState("");
  const [pod, setPod] = useState("");
  const [since, setSince] = useState("");
  const [pods, setPods] = useState<string[]>([]);
  const bottom = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const controller = new AbortController();
    setLines([]);
    setState("connecting");
    // Followed across the server's time limit and dropped connections: a reopened stream carries Last-Event-ID and
    // brings every line after the last one seen, none twice.
    const open = (lastEventId: string | undefined, signal: AbortSignal) =>
      unwrap(api.GET("/api/deployments/{id}/logs", {
        params: { path: { id }, query: { tailLines: since ? 10_000 : 200, follow: true, ...(service && { service }), ...(pod && { pod }), ...(since && { since }) } },
        headers: lastEventId === undefined ? { Accept: "text/event-stream" } : { Accept: "text/event-stream", "Last-Event-ID": lastEventId },
        parseAs: "stream",
        signal,
      }));
    followSse(open, (e) => {
      if (e.event === "log") {
        const line = JSON.parse(e.data) as LogLine;
        setState("live");
        setLines((all) => [...all.slice(-1999), line]);
        setPods((known) => (known.includes(line.pod) ? known : [...known, line.pod].sort()));
      } else if (e.event === "error") setState({ error: (JSON.parse(e.data) as { message?: string }).message ?? "The log stream failed." });
    }, controller.signal)
      .then(() => setState((s) => (typeof s === "object" ? s : "ended")))
      .catch((e) => { if (!controller.signal.aborted) setState({ error: messageOf(e) }); });
    return () => controller.abort();
  }, [id, service, pod, since]);
  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: "nearest" });
  }, [lines.length]);
  const select = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm";
  return (
    <Card className="overflow-hidden">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-2.5 text-sm">
        <div className="flex flex-wrap items-center gap-2">
          <label className="text-slate-600">Service{" "}
            <select className={select} value={service} onChange={(e) => { setService(e.target.value); setPod(""); }}>
              <option value="">all</option>
              {services.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </label>
          <label className="text-slate-600">Pod{" "}
            <select className={select} value={pod} onChange={(e) => setPod(e.target.value)}>
              <option value="">all</option>
              {pods.filter((p) => !service || lines.some((l) => l.pod === p && l.service === service) || p === pod).map((p) => <option key={p} value={p}>{p}</option>)}
            </select>
          </label>
          <label className="text-slate-600">Show{" "}
            <select className={select} value={since} onChange={(e) => setSince(e.target.value)}>
              {sinceChoices.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
            </select>
          </label>
        </div>
        {state === "connecting" ? <Spinner small label="Connecting…" /> : state === "live" ? <Badge tone="green">live</Badge> : state === "ended" ? <Badge>ended</Badge> : null}
      </div>
      {typeof state === "object" ? (
        <p role="status" className="p-4 text-sm text-slate-600">{state.error}</p>
      ) : (
        <div role="log" aria-live="off" className="max-h-[32rem] overflow-auto bg-slate-950 p-4 font-mono text-xs leading-relaxed text-slate-100">
          {lines.length === 0 && state !== "connecting" && <p className="text-slate-300">No log lines yet.</p>}
          {lines.map((l, i) => <div key={i}><span className="text-sky-300">{l.service}</span> <span className="text-slate-500">{l.pod}</span> {l.line}</div>)}
          <div ref={bottom} />
        </div>
      )}
    </Card>
  );
}
