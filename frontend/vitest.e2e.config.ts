import { defineConfig } from "vitest/config";

// End-to-end: the real server (DEV_MODE, real PostgreSQL, the built UI) driven through Debian's chromium.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    globalSetup: ["e2e/server.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    environment: "node",
  },
});
