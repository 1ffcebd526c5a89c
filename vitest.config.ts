import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "tools"],
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest.json" },
  },
});
