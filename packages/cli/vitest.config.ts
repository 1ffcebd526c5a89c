import { defineProject } from "vitest/config";
import { alias } from "../../vitest.shared.ts";

export default defineProject({
  resolve: { alias },
  test: {
    name: "cli",
    // The real distribution registry (open, htpasswd, token modes) for *.int.test.ts.
    globalSetup: ["../../tools/registry/global-setup.ts"],
  },
});
