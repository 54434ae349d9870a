/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The FastAPI app serves this build from the Python package, so `pip install` /
// `sight serve` ship the SPA without Node on the server.
const outDir = fileURLToPath(new URL("../src/sight/static", import.meta.url));

// Everything the backend answers; the rest is the SPA.
const backend = process.env["SIGHT_API_URL"] ?? "http://127.0.0.1:8000";
const proxied = ["/api", "/health", "/startup", "/openapi.json", "/docs"];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(
      proxied.map((path) => [path, { target: backend, changeOrigin: false }]),
    ),
  },
  preview: {
    port: 4173,
    strictPort: true,
  },
  test: {
    environment: "happy-dom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
