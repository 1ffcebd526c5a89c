import { defineProject } from "vitest/config";
import { alias } from "../vitest.shared.ts";

export default defineProject({
  resolve: { alias },
  test: {
    name: "tools",
    include: ["**/*.test.ts"],
    // Real registries (open, htpasswd, token) for the integration tests; fails the run when docker-registry is missing.
    globalSetup: ["registry/global-setup.ts"],
  },
});
