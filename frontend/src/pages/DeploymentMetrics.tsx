import { useEffect, useMemo, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api, messageOf, unwrap } from "../api/client";
import { followSse } from "../api/sse";
import { Badge, Card, DataTable, Spinner, cellClass } from "../components/ui";

/** One event "metrics" of GET /api/deployments/{id}/metrics. */
export type MetricsSample = {
  at: string;
  podMetricsAvailable: boolean;
  services: {
    service: string; desiredReplicas: number; readyReplicas: number; restarts: number; cpuMillicores: number | null; memoryBytes: number | null;
    pods: { pod: string; ready: boolean; restarts: number; cpuMillicores: number | null; memoryBytes: number | null }[];
  }[];
};

/** How far back the charts go; older points are dropped (they are kept in the page only). */
export const Window = 15 * 60 * 1000;

type Point = { t: number } & Record<string, number | null>;

function pointOf(sample: MetricsSample): Point {
  const point: Point = { t: Date.parse(sample.at) };
  for (const s of sample.services) {
    point[`${s.service}:cpu`] = s.cpuMillicores;
    point[`${s.service}:memory`] = s.memoryBytes === null ? null : s.memoryBytes / (1024 * 1024);
    point[`${s.service}:ready`] = s.readyReplicas;
    point[`${s.service}:desired`] = s.desiredReplicas;
  }
  return point;
}

const colours = ["#2563eb", "#16a34a", "#d97706", "#db2777", "#7c3aed", "#0891b2"];
const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function Chart({ title, unit, points, lines }: { title: string; unit: string; points: Point[]; lines: { key: string; name: string; colour: string; dashed?: boolean }[] }) {
  return (
    <figure className="min-w-0" aria-label={`${title} over the last 15 minutes`}>
      <figcaption className="mb-1 text-sm font-medium text-slate-700">{title} <span className="font-normal text-slate-500">({unit})</span></figcaption>
      <ResponsiveContainer width="100%" height={180} initialDimension={{ width: 480, height: 180 }}>
        <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={clock} tick={{ fontSize: 11 }} minTickGap={40} />
          <YAxis tick={{ fontSize: 11 }} width={44} allowDecimals={unit !== "replicas"} />
          <Tooltip labelFormatter={(t) => clock(Number(t))} formatter={(v) => (typeof v === "number" ? v.toFixed(unit === "replicas" ? 0 : 1) : v)} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {lines.map((l) => (
            <Line key={l.key} dataKey={l.key} name={l.name} stroke={l.colour} strokeDasharray={l.dashed ? "4 3" : undefined}
              dot={false} isAnimationActive={false} connectNulls type="monotone" />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

const mib = (bytes: number | null) => (bytes === null ? "—" : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`);
const millicores = (m: number | null) => (m === null ? "—" : `${m.toFixed(1)} m`);

/**
 * The Metrics tab: the stream's samples as line charts of CPU, memory and replicas per service over the last 15
 * minutes (kept in the page), and the latest sample as a table. The stream is followed across reconnects with
 * Last-Event-ID.
 */
export default function DeploymentMetrics({ id }: { id: string }) {
  const [points, setPoints] = useState<Point[]>([]);
  const [latest, setLatest] = useState<MetricsSample | null>(null);
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const [state, setState] = useState<"connecting" | "live" | "ended" | { error: string }>("connecting");
  useEffect(() => {
    const controller = new AbortController();
    setPoints([]);
    setLatest(null);
    setState("connecting");
    const open = async (lastEventId: string | undefined, signal: AbortSignal) =>
      unwrap(api.GET("/api/deployments/{id}/metrics", {
        params: { path: { id } },
        headers: lastEventId === undefined ? { Accept: "text/event-stream" } : { Accept: "text/event-stream", "Last-Event-ID": lastEventId },
        parseAs: "stream",
        signal,
      }));
    followSse(open, (e) => {
      if (e.event === "metrics") {
        const sample = JSON.parse(e.data) as MetricsSample;
        const point = pointOf(sample);
        setState("live");
        setLatest(sample);
        if (sample.podMetricsAvailable) setUnavailable(null);
        setPoints((all) => [...all.filter((p) => p.t > point.t - Window && p.t < point.t), point]);
      } else if (e.event === "unavailable") setUnavailable((JSON.parse(e.data) as { message?: string }).message ?? "CPU and memory are not available.");
      else if (e.event === "error") setState({ error: (JSON.parse(e.data) as { message?: string }).message ?? "The metrics stream failed." });
    }, controller.signal)
      .then(() => setState((s) => (typeof s === "object" ? s : "ended")))
      .catch((error) => { if (!controller.signal.aborted) setState({ error: messageOf(error) }); });
    return () => controller.abort();
  }, [id]);

  const services = useMemo(() => latest?.services.map((s) => s.service) ?? [], [latest]);
  const per = (suffix: string, label = "") => services.map((s, i) => ({ key: `${s}:${suffix}`, name: `${s}${label}`, colour: colours[i % colours.length]! }));
  return (
    <Card className="overflow-hidden">
      <div className="flex items-center justify-between border-b border-slate-200 px-4 py-2.5 text-sm">
        <span className="text-slate-600">Live metrics of every service, last 15 minutes</span>
        {state === "connecting" ? <Spinner small label="Connecting…" /> : state === "live" ? <Badge tone="green">live</Badge> : state === "ended" ? <Badge>ended</Badge> : null}
      </div>
      {typeof state === "object" ? (
        <p role="status" className="p-4 text-sm text-slate-600">{state.error}</p>
      ) : (
        <div className="space-y-4 p-4">
          {unavailable && <p role="status" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">{unavailable}</p>}
          {latest && (
            <>
              <div className="grid gap-4 lg:grid-cols-3">
                <Chart title="CPU" unit="millicores" points={points} lines={per("cpu")} />
                <Chart title="Memory" unit="MiB" points={points} lines={per("memory")} />
                <Chart title="Replicas" unit="replicas" points={points}
                  lines={[...per("ready", " ready"), ...per("desired", " desired").map((l) => ({ ...l, dashed: true }))]} />
              </div>
              <DataTable label="Now" columns={["Service", "Ready", "Restarts", "CPU", "Memory"]}>
                {latest.services.map((s) => (
                  <tr key={s.service}>
                    <td className={cellClass}>{s.service}</td>
                    <td className={cellClass}>{s.readyReplicas} / {s.desiredReplicas}</td>
                    <td className={cellClass}>{s.restarts}</td>
                    <td className={cellClass}>{millicores(s.cpuMillicores)}</td>
                    <td className={cellClass}>{mib(s.memoryBytes)}</td>
                  </tr>
                ))}
              </DataTable>
            </>
          )}
        </div>
      )}
    </Card>
  );
}
