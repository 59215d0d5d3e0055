// Global setup of the end-to-end tests: the real server (DEV_MODE, real PostgreSQL given by E2E_DATABASE_DSN, the
// built UI with REACT_UI=true) on a free loopback port. Its log goes to artifacts/e2e/server.log. startServer also
// starts the production-mode server of the sign-in test (signin.e2e.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext { baseUrl: string; artifacts: string }
}

const root = resolve(import.meta.dirname, "../..");

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

export type RunningServer = { baseUrl: string; stop: () => Promise<void> };

/**
 * Starts the built server on a free loopback port with the given settings (beside DATABASE_DSN, REACT_UI and the
 * listen address; a function of the server's address when they name it), its log in artifacts/e2e/<logName>.log, and
 * waits until it is ready.
 */
export async function startServer(settings: Record<string, string> | ((baseUrl: string) => Record<string, string>), logName: string): Promise<RunningServer> {
  const dsn = process.env.E2E_DATABASE_DSN;
  if (!dsn) throw new Error("E2E_DATABASE_DSN is not set: run the end-to-end tests through bash scripts/test.sh");
  const dll = resolve(root, "src/WebApi/bin/Release/net10.0/CleanScheduler.WebApi.dll");
  const ui = resolve(root, "frontend/dist");
  if (!existsSync(dll)) throw new Error(`${dll} is missing: build the server first`);
  if (!existsSync(resolve(ui, "index.html"))) throw new Error(`${ui}/index.html is missing: npm run build first`);
  const artifacts = resolve(root, "artifacts/e2e");
  mkdirSync(artifacts, { recursive: true });

  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const log = createWriteStream(resolve(artifacts, `${logName}.log`));
  const server: ChildProcess = spawn("dotnet", [dll], {
    env: {
      ...process.env,
      DATABASE_DSN: dsn, REACT_UI: "true", REACT_UI_DIR: ui, SERVER_ADDR: `127.0.0.1:${port}`, BASE_URL: baseUrl,
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("base64"), KUBERNETES_ENABLED: "false", LOG_LEVEL: "warning",
      METRICS_ADDR: "",   // no metrics listener on :9090: e2e servers run side by side
      ...(typeof settings === "function" ? settings(baseUrl) : settings),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}; see artifacts/e2e/${logName}.log`);
    try {
      if ((await fetch(`${baseUrl}/readyz`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`the server was not ready within 60 s; see artifacts/e2e/${logName}.log`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    baseUrl,
    stop: async () => {
      if (server.exitCode !== null) return;
      const exited = new Promise((r) => server.once("exit", r));
      server.kill("SIGTERM");
      await exited;
    },
  };
}

export default async function setup(project: TestProject) {
  const server = await startServer({ DEV_MODE: "true", PLATFORM_ADMINS: "dev@localhost" }, "server");
  project.provide("baseUrl", server.baseUrl);
  project.provide("artifacts", resolve(root, "artifacts/e2e"));
  return server.stop;
}
