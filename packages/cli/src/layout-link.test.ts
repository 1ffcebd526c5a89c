/**
 * A layout whose `blobs/` is a symbolic link is refused (exit 6) with what is wrong and what to do — not
 * with the "source may be corrupt" hint of a digest mismatch: the bytes are fine, the link is the problem.
 */
import { copyFile, mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { useTestLayout } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./test-support/fake-io.js";

const fixture = useTestLayout("stevedore-cli-layout-link-", { label: "link" }, beforeAll, afterAll);

describe("a layout whose blobs/ is a symbolic link", () => {
  it("exits 6 saying the link is refused and how to replace it, not that the source may be corrupt", async () => {
    const linked = join(fixture.workspace, "linked");
    await mkdir(linked);
    await copyFile(join(fixture.layout, "oci-layout"), join(linked, "oci-layout"));
    await copyFile(join(fixture.layout, "index.json"), join(linked, "index.json"));
    await symlink(join(fixture.layout, "blobs"), join(linked, "blobs"));

    const run = await runCli(["copy", `oci:${linked}:v1`, `oci:${join(fixture.workspace, "out")}:v1`]);
    expect(run.code).toBe(ExitCode.verification);
    expect(run.stderrLines).toHaveLength(1);
    expect(run.stderr).toContain(`${join(linked, "blobs")} is a symbolic link`);
    expect(run.stderr).not.toContain("corrupt");
    expect(run.stderr).toContain("cp -RL");
  });
});
