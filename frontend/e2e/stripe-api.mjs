// Stripe's API for the calls the server makes from the billing page, on a loopback port, for the end-to-end test (the
// .NET tests use tests/TestSupport/Stripe/FakeStripeServer.cs, the same contract; here no invoice exists yet): form-encoded POSTs that need
// `Authorization: Bearer <key>` and an `Idempotency-Key`, Stripe-shaped JSON and errors, and the hosted checkout and
// portal pages a browser is sent to.
import { createServer } from "node:http";

export async function startStripeApi({ apiKey, prices }) {
  const customers = new Map();
  const sessions = new Map();
  const replies = new Map();
  let next = 0;
  const id = (prefix) => `${prefix}_e2e${String(++next).padStart(6, "0")}${Math.random().toString(36).slice(2, 10)}`;
  const send = (res, status, body) => {
    res.writeHead(status, { "content-type": "application/json", "request-id": id("req") });
    res.end(JSON.stringify(body));
  };
  const error = (res, status, type, message, extra = {}) => send(res, status, { error: { type, message, ...extra } });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://stripe.test");
    if (url.pathname.startsWith("/checkout/") || url.pathname.startsWith("/portal/")) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><title>Stripe test checkout</title><h1>Stripe test page ${url.pathname}</h1>`);
      return;
    }
    if (req.headers.authorization !== `Bearer ${apiKey}`) return error(res, 401, "invalid_request_error", "Invalid API Key provided");
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const form = new URLSearchParams(raw);
    if (req.method === "GET" && url.pathname === "/v1/invoices") return send(res, 200, { object: "list", data: [], has_more: false, url: "/v1/invoices" });
    if (req.method !== "POST") return error(res, 404, "invalid_request_error", `Unrecognized request URL (${req.method}: ${url.pathname}).`);
    const key = req.headers["idempotency-key"];
    if (!key) return error(res, 400, "invalid_request_error", "This fake requires an Idempotency-Key header on every POST.");
    const fingerprint = `${url.pathname}?${[...form].sort().join("&")}`;
    const earlier = replies.get(key);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) return error(res, 400, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with.");
      return send(res, earlier.status, earlier.body);
    }
    const metadata = (prefix) => Object.fromEntries([...form].filter(([k]) => k.startsWith(`${prefix}[`) && !k.slice(prefix.length + 1).includes("[")).map(([k, v]) => [k.slice(prefix.length + 1, -1), v]));
    const now = Math.floor(Date.now() / 1000);
    let status = 200;
    let body;
    const base = `http://127.0.0.1:${server.address().port}`;
    if (url.pathname === "/v1/customers") {
      body = { id: id("cus"), object: "customer", created: now, email: form.get("email"), name: form.get("name"), livemode: false, metadata: metadata("metadata") };
      customers.set(body.id, body);
    } else if (url.pathname === "/v1/checkout/sessions") {
      const price = form.get("line_items[0][price]");
      if (!customers.has(form.get("customer"))) [status, body] = [400, { error: { type: "invalid_request_error", code: "resource_missing", param: "customer", message: `No such customer: '${form.get("customer")}'` } }];
      else if (!prices.includes(price)) [status, body] = [400, { error: { type: "invalid_request_error", code: "resource_missing", param: "line_items[0][price]", message: `No such price: '${price}'` } }];
      else {
        const sid = id("cs");
        body = { id: sid, object: "checkout.session", created: now, mode: "subscription", status: "open", customer: form.get("customer"),
          client_reference_id: form.get("client_reference_id"), success_url: form.get("success_url"), cancel_url: form.get("cancel_url"),
          url: `${base}/checkout/${sid}`, metadata: metadata("metadata"), subscription: null, livemode: false };
        sessions.set(sid, { ...body, price, subscriptionMetadata: metadata("subscription_data[metadata]") });
      }
    } else if (url.pathname === "/v1/billing_portal/sessions") {
      const pid = id("bps");
      body = { id: pid, object: "billing_portal.session", created: now, customer: form.get("customer"), return_url: form.get("return_url"), url: `${base}/portal/${pid}`, livemode: false };
    } else return error(res, 404, "invalid_request_error", `Unrecognized request URL (POST: ${url.pathname}).`);
    replies.set(key, { fingerprint, status, body });
    send(res, status, body);
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return {
    apiBase: `http://127.0.0.1:${server.address().port}`,
    customers,
    sessions,
    stop: () => new Promise((done) => server.close(done)),
  };
}
