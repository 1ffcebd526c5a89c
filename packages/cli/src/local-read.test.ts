/**
 * `digest`, `manifest`, `config` and `inspect` read local locations as skopeo's `inspect oci:…` does: an OCI layout,
 * an OCI archive, a docker archive — byte-exact, with `--platform` picking from an index as for a registry.
 */
import { join } from "node:path";
import { useTestLayout } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./test-support/fake-io.js";

const local = useTestLayout("stevedore-cli-local-read-", { label: "local-read" }, beforeAll, afterAll);

describe("reading a local location", () => {
  it("prints an OCI layout's manifest bytes and digests, whole and per platform", async () => {
    const { image, layout } = local;
    const [amd64, arm64] = image.children;

    const digest = await runCli(["digest", `oci:${layout}:v1`]);
    expect([digest.code, digest.stdout.trim()]).toEqual([0, image.index.digest]);

    const manifest = await runCli(["manifest", `oci:${layout}:v1`]);
    expect(manifest.code).toBe(0);
    expect(manifest.stdoutBytes.equals(Buffer.from(image.index.bytes))).toBe(true);

    const child = await runCli(["digest", `oci:${layout}:v1`, "--platform", "linux/arm64"]);
    expect(child.stdout.trim()).toBe(arm64?.manifest.digest);

    const config = await runCli(["config", `oci:${layout}:v1`, "--platform", "linux/amd64"]);
    expect(config.code).toBe(0);
    expect(config.stdoutBytes.equals(Buffer.from(amd64?.config.bytes ?? []))).toBe(true);
  });

  it("reads an OCI archive the same way, and a docker archive by its one image", async () => {
    const { image, layout, workspace } = local;
    const archive = join(workspace, "image.oci.tar");
    expect((await runCli(["copy", `oci:${layout}:v1`, `oci-archive:${archive}:v1`])).code).toBe(0);
    const digest = await runCli(["digest", `oci-archive:${archive}:v1`]);
    expect([digest.code, digest.stdout.trim()]).toEqual([0, image.index.digest]);

    const docker = join(workspace, "image.docker.tar");
    const pulled = await runCli([
      "copy",
      `oci:${layout}:v1`,
      `docker-archive:${docker}:app:v1`,
      "--platform",
      "linux/amd64",
    ]);
    expect(pulled.code).toBe(0);
    const manifest = await runCli(["manifest", `docker-archive:${docker}`, "--json"]);
    expect(manifest.code).toBe(0);
    const [line = {}] = manifest.json();
    expect((line.manifest as { layers: unknown[] }).layers).toHaveLength(
      image.children[0]?.layers.length ?? -1,
    );
  });

  it("inspects a local image: its platforms, and the image for --platform", async () => {
    const { image, layout } = local;
    const run = await runCli(["inspect", `oci:${layout}:v1`, "--platform", "linux/arm64", "--json"]);
    expect(run.code).toBe(0);
    const [result = {}] = run.json();
    expect(result.digest).toBe(image.index.digest);
    expect((result.platforms as unknown[]).length).toBe(image.children.length);
    const selected = result.image as { platform: { architecture: string }; config: { digest: string } };
    expect([selected.platform.architecture, selected.config.digest]).toEqual([
      "arm64",
      image.children[1]?.config.digest,
    ]);
  });

  it("lists the tags of a layout and of an archive", async () => {
    const { layout, workspace } = local;
    const archive = join(workspace, "tags.oci.tar");
    expect((await runCli(["copy", `oci:${layout}:v1`, `oci-archive:${archive}:v2`])).code).toBe(0);
    const tags = await runCli(["ls", `oci:${layout}`]);
    expect([tags.code, tags.stdout.trim().split("\n")]).toEqual([0, ["v1"]]);
    const archived = await runCli(["ls", `oci-archive:${archive}`, "--json"]);
    expect(archived.json()[0]?.tags).toEqual(["v2"]);
    expect((await runCli(["ls", `oci:${layout}:v1`])).code).toBe(ExitCode.usage);
  });

  it("says a missing tag is missing (exit 3) and a missing layout too", async () => {
    const tag = await runCli(["digest", `oci:${local.layout}:nope`]);
    expect(tag.code).toBe(ExitCode.notFound);
    expect(tag.stderrLines).toHaveLength(1);
    const missing = await runCli(["manifest", `oci:${join(local.workspace, "absent")}:v1`]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderrLines).toHaveLength(1);
  });
});
