import { defineProject } from "vitest/config";
import { alias } from "../../vitest.shared.ts";

export default defineProject({
  resolve: { alias },
  test: { name: "artifact", globalSetup: ["../../tools/registry/global-setup.ts"] },
});
