// The web app is built into dist/ and served by the service at /. `npx vite` serves it for development, sending
// /api to a service running on VANBAN_API (default http://127.0.0.1:8000).
import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv } from "vite";

export default defineConfig(({ mode }) => ({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1500 },
  server: { proxy: { "/api": loadEnv(mode, ".", "VANBAN_").VANBAN_API ?? "http://127.0.0.1:8000" } },
}));
