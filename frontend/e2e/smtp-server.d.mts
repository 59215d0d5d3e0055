/** Types of smtp-server.mjs (plain JavaScript, so that the .NET tests can start it with node). */
export function startSmtpServer(options: { user: string; password: string; dir: string; failFirst?: number; port?: number }): Promise<{ port: number; stop: () => Promise<void> }>;
