// Signs a webhook payload with Stripe's own library, as Stripe signs the events it sends:
//   node stripe-sign.mjs <whsec_...> [unix timestamp] < payload.json   ->   prints the Stripe-Signature header value
// The tests use it so that the server's verification is checked against Stripe's implementation, not ours.
import Stripe from "stripe";

const [secret, timestamp] = process.argv.slice(2);
if (!secret) {
  console.error("usage: node stripe-sign.mjs <whsec_...> [unix timestamp] < payload.json");
  process.exit(2);
}
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const payload = Buffer.concat(chunks).toString("utf8");
const stripe = new Stripe("sk_test_unused");
const header = stripe.webhooks.generateTestHeaderString({
  payload,
  secret,
  ...(timestamp ? { timestamp: Number(timestamp) } : {}),
});
process.stdout.write(header);
