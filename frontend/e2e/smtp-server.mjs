// A real SMTP peer for the tests: the npm package smtp-server on a loopback port, with AUTH (PLAIN, LOGIN) required
// before MAIL FROM. No STARTTLS is offered (plain loopback), so clients that use STARTTLS "when offered" speak plain SMTP.
// Every accepted message is written as <dir>/<n>.eml (raw RFC 5322, written to a temporary name then renamed).
// With --fail-first N, the first N transactions are refused at MAIL FROM with 451 (a temporary failure), as a server
// that is busy would; later ones are accepted.
//
// As a program: node e2e/smtp-server.mjs --user U --password P --dir DIR [--fail-first N] [--port N]
// prints one line {"port":N} and serves until stdin closes or it gets SIGTERM.
import { SMTPServer } from "smtp-server";
import { parseArgs } from "node:util";
import { mkdirSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";

export async function startSmtpServer({ user, password, dir, failFirst = 0, port = 0 }) {
  mkdirSync(dir, { recursive: true });
  let refused = 0;
  let received = 0;
  const server = new SMTPServer({
    authMethods: ["PLAIN", "LOGIN"],
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) return callback(null, { user: auth.username });
      const error = new Error("Authentication credentials invalid");
      error.responseCode = 535;
      return callback(error);
    },
    onMailFrom(_address, _session, callback) {
      if (refused < failFirst) {
        refused++;
        const error = new Error("Try again later");
        error.responseCode = 451;
        return callback(error);
      }
      return callback();
    },
    onData(stream, _session, callback) {
      const chunks = [];
      stream.on("data", (chunk) => chunks.push(chunk));
      stream.on("end", () => {
        const n = ++received;
        const temporary = join(dir, `${n}.tmp`);
        writeFileSync(temporary, Buffer.concat(chunks));
        renameSync(temporary, join(dir, `${n}.eml`));
        callback();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return { port: server.server.address().port, stop: () => new Promise((resolve) => server.close(resolve)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      user: { type: "string" }, password: { type: "string" }, dir: { type: "string" },
      "fail-first": { type: "string", default: "0" }, port: { type: "string", default: "0" },
    },
  });
  const running = await startSmtpServer({
    user: values.user, password: values.password, dir: values.dir, failFirst: Number(values["fail-first"]), port: Number(values.port),
  });
  process.stdout.write(JSON.stringify({ port: running.port }) + "\n");
  const stop = async () => { await running.stop(); process.exit(0); };
  process.stdin.on("end", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
}
