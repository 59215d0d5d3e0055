export type StripeSession = { id: string; customer: string; price: string; url: string; client_reference_id: string; metadata: Record<string, string> };
export function startStripeApi(options: { apiKey: string; prices: string[] }): Promise<{
  apiBase: string;
  customers: Map<string, { id: string; metadata: Record<string, string> }>;
  sessions: Map<string, StripeSession>;
  stop: () => Promise<void>;
}>;
