/**
 * `pnpm demo` (tools/demo.ts) as a newcomer reads it: stdout and stderr go to one terminal, so each step's
 * progress lines (stderr) must come before its result line (stdout), not after it.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const demo = fileURLToPath(new URL("./demo.ts", import.meta.url));

it("prints each step's progress before its result line", async () => {
  const directory = await mkdtemp(join(tmpdir(), "stevedore-demo-test-"));
  try {
    // One file for both streams, as a terminal would show them.
    const output = await open(join(directory, "output.txt"), "w");
    const child = spawn(process.execPath, [demo], { stdio: ["ignore", output.fd, output.fd] });
    const [code] = await once(child, "exit");
    await output.close();
    const lines = (await readFile(join(directory, "output.txt"), "utf8")).split("\n");
    expect(code, lines.join("\n")).toBe(0);
    for (const step of ["push", "pull"]) {
      const start = lines.findIndex((line) => line.startsWith(`$ stevedore ${step} `));
      const next = lines.findIndex((line, index) => index > start && line.startsWith("$ stevedore "));
      const own = lines.slice(start + 1, next);
      const firstProgress = own.findIndex((line) => line.startsWith("blob sha256:"));
      const result = own.findIndex((line) => / sha256:[0-9a-f]{64} \(5 transferred/.test(line));
      expect(firstProgress, own.join("\n")).toBeGreaterThanOrEqual(0);
      expect(result, own.join("\n")).toBeGreaterThan(firstProgress);
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}, 60_000);
