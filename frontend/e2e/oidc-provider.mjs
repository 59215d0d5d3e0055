// A real OpenID Connect provider for the tests: oauth2-mock-server (discovery, JWKS, authorize, token endpoint; RS256
// id_tokens; PKCE) on a loopback port. Made as strict as Google where the library is lenient: a code is for one client
// and one redirect_uri, is used once and lives one minute; the client must authenticate with its secret.
//
// The browser (or a test following the redirects) may add to the authorize request, per sign-in:
//   test_email=<address>     the e-mail in the id_token (default: the one given at start)
//   test_scenario=<name>     a misbehaving provider: unverified (email_verified false), wrong_nonce, expired,
//                            wrong_audience, wrong_issuer, tampered (payload changed after signing), unsigned (alg none),
//                            denied (error=access_denied instead of a code)
//
// As a program: node e2e/oidc-provider.mjs --client-id ID --client-secret SECRET [--email E] [--port N]
// prints one line {"issuer":"http://127.0.0.1:PORT"} and serves until stdin closes or it gets SIGTERM.
import { OAuth2Server } from "oauth2-mock-server";
import { parseArgs } from "node:util";

export async function startProvider({ clientId, clientSecret, email = "oidc-user@e2e.test", port = 0 }) {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  await server.start(port, "127.0.0.1");
  server.issuer.url = `http://127.0.0.1:${server.address().port}`;
  const grants = new Map(); // code -> { redirectUri, email, scenario, expires }

  server.service.on("beforeAuthorizeRedirect", ({ url }, req) => {
    const code = url.searchParams.get("code");
    if (!code) return;
    const { client_id, redirect_uri, test_email, test_scenario } = req.query;
    if (client_id !== clientId || test_scenario === "denied") {
      url.searchParams.delete("code");
      url.searchParams.set("error", client_id !== clientId ? "unauthorized_client" : "access_denied");
      return;
    }
    grants.set(code, { redirectUri: redirect_uri, email: test_email ?? email, scenario: test_scenario ?? "ok", expires: Date.now() + 60_000 });
  });

  server.service.on("beforeTokenSigning", (token, req) => {
    const grant = grants.get(req.body?.code);
    if (!grant || token.payload.aud === undefined) return; // the access token has no audience; only the id_token is shaped
    const now = Math.floor(Date.now() / 1000);
    Object.assign(token.payload, { email: grant.email, email_verified: grant.scenario !== "unverified" });
    if (grant.scenario === "wrong_nonce") token.payload.nonce = "not-the-nonce-of-this-sign-in";
    if (grant.scenario === "expired") Object.assign(token.payload, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    if (grant.scenario === "wrong_audience") token.payload.aud = "another-client";
    if (grant.scenario === "wrong_issuer") token.payload.iss = "https://issuer.invalid";
  });

  server.service.on("beforeResponse", (response, req) => {
    const body = req.body ?? {};
    if (body.grant_type !== "authorization_code") return;
    const grant = grants.get(body.code);
    grants.delete(body.code);
    const [user, password] = basicCredentials(req) ?? [body.client_id, body.client_secret];
    const refuse = (error, description) => {
      response.statusCode = error === "invalid_client" ? 401 : 400;
      response.body = { error, error_description: description };
    };
    if (user !== clientId || password !== clientSecret) return refuse("invalid_client", "unknown client or wrong secret");
    if (!grant || grant.expires < Date.now()) return refuse("invalid_grant", "unknown, used or expired code");
    if (grant.redirectUri !== body.redirect_uri) return refuse("invalid_grant", "redirect_uri differs from the authorize request's");
    const [header, payload, signature] = response.body.id_token.split(".");
    if (grant.scenario === "tampered") {
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
      claims.email = "attacker@evil.example";
      response.body.id_token = [header, Buffer.from(JSON.stringify(claims)).toString("base64url"), signature].join(".");
    }
    if (grant.scenario === "unsigned") {
      const none = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
      response.body.id_token = `${none}.${payload}.`;
    }
  });

  return { issuer: server.issuer.url, stop: () => server.stop() };
}

function basicCredentials(req) {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString();
  const colon = decoded.indexOf(":");
  return [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { "client-id": { type: "string" }, "client-secret": { type: "string" }, email: { type: "string" }, port: { type: "string" } },
  });
  if (!values["client-id"] || !values["client-secret"]) {
    console.error("usage: node e2e/oidc-provider.mjs --client-id ID --client-secret SECRET [--email E] [--port N]");
    process.exit(2);
  }
  const provider = await startProvider({
    clientId: values["client-id"], clientSecret: values["client-secret"], email: values.email, port: Number(values.port ?? 0),
  });
  console.log(JSON.stringify({ issuer: provider.issuer }));
  const stop = async () => { await provider.stop(); process.exit(0); };
  process.stdin.on("end", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
}
