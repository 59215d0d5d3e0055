/// <reference types="vitest/config" />
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig, type ProxyOptions } from "vite";

// `npm run dev` serves the UI on :5173 and forwards the server's paths to a server on :8081 (bash scripts/run.sh).
const server = process.env.API_URL ?? "http://localhost:8081";

// The server accepts a request that changes something only from its own pages (an Origin equal to its BASE_URL's) or
// from clients that send no Origin. A page served here is one of the server's pages in all but its address, so the
// proxy drops the Origin of requests from this dev server's own pages; a page of another site keeps its Origin and is
// refused as it would be without the proxy.
const asServersOwnPage: ProxyOptions["configure"] = (proxy) => {
  proxy.on("proxyReq", (request, incoming) => {
    if (incoming.headers.origin === `http://${incoming.headers.host}`) request.removeHeader("origin");
  });
};

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: { manifest: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: {
    proxy: Object.fromEntries(["/api", "/auth", "/openapi", "/swagger", "/healthz", "/readyz"].map((p) => [p, { target: server, changeOrigin: false, configure: asServersOwnPage }])),
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    css: false,
  },
});
