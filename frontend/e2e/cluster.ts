// A cluster for the end-to-end tests that need one: the test API server as a process (tests/ClusterHost: the repo's
// CRDs, Deployments reported ready, a stand-in Job controller and kubelet whose tasks print their input as output), the
// operator as it ships (CLEANSCHEDULER_TEST_OPERATOR, the native executable scripts/test.sh publishes; else the IL build)
// and a second server with KUBERNETES_ENABLED=true on a database of its own (E2E_CLUSTER_DATABASE_DSN). Logs go to
// artifacts/e2e/{cluster,operator,cluster-server}.log.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startServer, type RunningServer } from "./server";

const root = resolve(import.meta.dirname, "../..");
const artifacts = resolve(root, "artifacts/e2e");

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
    server.on("error", fail);
  });
}

function logTo(child: ChildProcess, name: string) {
  mkdirSync(artifacts, { recursive: true });
  const log = createWriteStream(resolve(artifacts, `${name}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
}

async function stopProcess(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/** The environment without the test host's own Kubernetes settings: the child connects through the kubeconfig only. */
function withKubeconfig(kubeconfig: string, extra: Record<string, string> = {}) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith("KUBE") && key !== "WATCH_NAMESPACE") env[key] = value;
  return { ...env, KUBECONFIG: kubeconfig, ...extra };
}

export type RunningCluster = RunningServer & { kubeconfig: string };

/** Starts the test API server, the operator and a server connected to them; stop() ends all three. */
export async function startCluster(): Promise<RunningCluster> {
  const dsn = process.env.E2E_CLUSTER_DATABASE_DSN;
  if (!dsn) throw new Error("E2E_CLUSTER_DATABASE_DSN is not set: run the end-to-end tests through bash scripts/test.sh");
  const host = resolve(root, "tests/ClusterHost/bin/Release/net10.0/CleanScheduler.ClusterHost.dll");
  if (!existsSync(host)) throw new Error(`${host} is missing: build the solution first`);
  const dir = mkdtempSync(join(tmpdir(), "cs-e2e-cluster-"));
  const kubeconfig = join(dir, "kubeconfig");

  const api = spawn("dotnet", [host, kubeconfig], { stdio: ["pipe", "pipe", "pipe"] });
  logTo(api, "cluster");
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error("the test API server did not start within 60 s; see artifacts/e2e/cluster.log")), 60_000);
    api.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready ")) { clearTimeout(timer); ready(); }
    });
    api.once("exit", (code) => { clearTimeout(timer); fail(new Error(`the test API server exited with ${code}; see artifacts/e2e/cluster.log`)); });
  });

  const native = process.env.CLEANSCHEDULER_TEST_OPERATOR;
  const args = ["--health-probe-bind-address", `127.0.0.1:${await freePort()}`, "--leader-elect=false", "--deployment-domain", "apps.test", "--resync-period", "1h"];
  const operator = native
    ? spawn(native, args, { env: withKubeconfig(kubeconfig, { HOME: dir }), stdio: ["ignore", "pipe", "pipe"] })
    : spawn("dotnet", [resolve(root, "src/Operator/bin/Release/net10.0/CleanScheduler.Operator.dll"), ...args], { env: withKubeconfig(kubeconfig, { HOME: dir }), stdio: ["ignore", "pipe", "pipe"] });
  logTo(operator, "operator");

  let server: RunningServer;
  try {
    server = await startServer({
      KUBECONFIG: kubeconfig, KUBERNETES_SERVICE_HOST: "", DATABASE_DSN: dsn, DEV_MODE: "true", PLATFORM_ADMINS: "dev@localhost",
      KUBERNETES_ENABLED: "true", KUBERNETES_RECONCILE_INTERVAL: "300ms", DEPLOYMENT_DOMAIN: "apps.test",
    }, "cluster-server");
  } catch (error) {
    await stopProcess(operator);
    await stopProcess(api);
    throw error;
  }
  return {
    baseUrl: server.baseUrl,
    kubeconfig,
    stop: async () => {
      await server.stop();
      await stopProcess(operator);
      api.stdin?.end();
      await stopProcess(api);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
