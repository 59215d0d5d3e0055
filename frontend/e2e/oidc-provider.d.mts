/** Types of oidc-provider.mjs (plain JavaScript, so that the .NET tests can start it with node). */
export function startProvider(options: { clientId: string; clientSecret: string; email?: string; port?: number }): Promise<{ issuer: string; stop: () => Promise<void> }>;
