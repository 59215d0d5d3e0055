/// <reference types="vitest/config" />
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` serves the UI on :5173 and forwards the server's paths to a server on :8081 (bash scripts/run.sh).
const server = process.env.API_URL ?? "http://localhost:8081";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: { manifest: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: {
    proxy: Object.fromEntries(["/api", "/auth", "/openapi", "/swagger", "/healthz", "/readyz"].map((p) => [p, { target: server, changeOrigin: false }])),
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    css: false,
  },
});
