import { defineProject } from "vitest/config";
import { alias } from "../../vitest.shared.ts";

export default defineProject({
  resolve: { alias },
  test: {
    name: "cli",
    // Many cli tests start real Node processes; on a busy 2-core machine a start alone can take
    // seconds, and a timeout there is a false failure, not a finding.
    testTimeout: 30_000,
    // The real distribution registry (open, htpasswd, token modes) for *.int.test.ts.
    globalSetup: ["../../tools/registry/global-setup.ts"],
  },
});
