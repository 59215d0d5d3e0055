import { render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import DeploymentMetrics from "./DeploymentMetrics";

const sample = (at: number, cpu: number | null, memoryMiB: number | null, ready = 1) => ({
  at: new Date(at).toISOString(),
  podMetricsAvailable: cpu !== null,
  services: [{
    service: "web", desiredReplicas: 2, readyReplicas: ready, restarts: 3, cpuMillicores: cpu, memoryBytes: memoryMiB === null ? null : memoryMiB * 1024 * 1024,
    pods: [],
  }],
});
const event = (type: string, data: unknown, id?: string) => `event: ${type}\n${id ? `id: ${id}\n` : ""}data: ${JSON.stringify(data)}\n\n`;

function serve(...bodies: string[]) {
  const asked: { path: string; lastEventId: string | null }[] = [];
  vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
    const url = new URL(request.url, "http://x");
    asked.push({ path: url.pathname, lastEventId: request.headers.get("Last-Event-ID") });
    return new Response(bodies.shift() ?? event("end", {}), { headers: { "content-type": "text/event-stream" } });
  }));
  return asked;
}

describe("Deployment metrics", () => {
  beforeEach(() => {
    // jsdom has no layout and no ResizeObserver: Recharts' container keeps its initial size.
    vi.stubGlobal("ResizeObserver", undefined);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("draws CPU, memory and replica lines from the streamed samples and shows the latest in a table", async () => {
    const t = Date.now();
    serve(event("metrics", sample(t - 10_000, 120, 64), String(t - 10_000)) + event("metrics", sample(t - 5_000, 180, 80), String(t - 5_000))
      + event("metrics", sample(t, 150, 72, 2), String(t)));

    render(<DeploymentMetrics id="d1" />);

    const now = await screen.findByRole("table", { name: "Now" });
    await vi.waitFor(() => expect(within(now).getAllByRole("cell").map((c) => c.textContent)).toEqual(["web", "2 / 2", "3", "150.0 m", "72.0 MiB"]));
    for (const chart of ["CPU", "Memory", "Replicas"]) {
      const figure = screen.getByRole("figure", { name: `${chart} over the last 15 minutes` });
      const curves = figure.querySelectorAll("path.recharts-line-curve");
      expect(curves.length, chart).toBeGreaterThan(0);
      expect(curves[0]!.getAttribute("d")?.match(/[LC]/g)?.length ?? 0, `${chart}: a line through the 3 points`).toBeGreaterThanOrEqual(2);
    }
  });

  it("says once that CPU and memory are not available, and still charts the replicas", async () => {
    const t = Date.now();
    serve(event("unavailable", { message: "CPU and memory are not available: this cluster has no metrics server (metrics.k8s.io)." })
      + event("metrics", sample(t - 5_000, null, null), String(t - 5_000)) + event("metrics", sample(t, null, null), String(t)));

    render(<DeploymentMetrics id="d1" />);

    expect(await screen.findByText(/this cluster has no metrics server/)).toBeInTheDocument();
    const now = await screen.findByRole("table", { name: "Now" });
    await vi.waitFor(() => expect(within(now).getAllByRole("cell").map((c) => c.textContent)).toEqual(["web", "1 / 2", "3", "—", "—"]));
    expect(screen.getByRole("figure", { name: "Replicas over the last 15 minutes" }).querySelectorAll("path.recharts-line-curve").length).toBeGreaterThan(0);
  });

  it("reconnects at the server's time limit with the last sample's id, keeping the points it has", async () => {
    const t = Date.now();
    const asked = serve(event("metrics", sample(t - 5_000, 100, 50), String(t - 5_000)) + event("reconnect", { message: "time limit" }),
      event("metrics", sample(t, 200, 60), String(t)) + event("end", {}));

    render(<DeploymentMetrics id="d1" />);

    expect(await screen.findByText("ended")).toBeInTheDocument();
    expect(asked).toEqual([{ path: "/api/deployments/d1/metrics", lastEventId: null }, { path: "/api/deployments/d1/metrics", lastEventId: String(t - 5_000) }]);
    const cpu = screen.getByRole("figure", { name: "CPU over the last 15 minutes" }).querySelector("path.recharts-line-curve");
    expect(cpu?.getAttribute("d")?.match(/[LC]/g)?.length ?? 0).toBeGreaterThanOrEqual(1);   // both points, across the reconnect
  });
});
