/**
 * The end-to-end `stevedore` flows, as one suite run against any open registry on 127.0.0.1: push, ls,
 * digest, manifest, config, blob, inspect, pull (layout and docker archive), --json output, tag, copy
 * (--all-tags, one platform), delete, catalog and the not-found exits. `registry()` is read when the tests
 * run, so a server started in `beforeAll` works. Test images are built and seeded with the client's test
 * helpers (Node's crypto, zlib and fetch only), never with the code under test.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { manifestStatus, readLayoutBlobs, seedTestImage } from "@stevedore/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../exit-codes.js";
import { runCli } from "./fake-io.js";
import { expectOneErrorLine, type FlowRegistry, useFlowFixture } from "./flow-fixture.js";

export type { FlowRegistry } from "./flow-fixture.js";

/** Defines the suite `label` against `registry()`. */
export function describeRegistryFlows(label: string, registry: () => FlowRegistry): void {
  describe(label, () => {
    const fixture = useFlowFixture(registry, "flows");
    const { repository, raw, child } = fixture;

    describe("push, read back, pull", () => {
      let name: string;
      beforeAll(async () => {
        name = repository("app");
        const run = await runCli(["push", `oci:${fixture.layout}:v1`, `${name}:v1`, "--platform", "all"]);
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(
          new RegExp(
            `^${escapeRegExp(name)}:v1 ${fixture.image.index.digest} \\(${fixture.image.blobs.size - 4} transferred, 0 skipped, 0 mounted; `,
          ),
        );
      });

      it("ls, digest and manifest give the tag, the digest and the exact index bytes", async () => {
        const ls = await runCli(["ls", name]);
        expect([ls.code, ls.stdout]).toEqual([0, "v1\n"]);
        const digest = await runCli(["digest", `${name}:v1`]);
        expect([digest.code, digest.stdout]).toEqual([0, `${fixture.image.index.digest}\n`]);
        const manifest = await runCli(["manifest", `${name}:v1`]);
        expect(manifest.code).toBe(0);
        expect(manifest.stdoutBytes.equals(Buffer.from(fixture.image.index.bytes))).toBe(true);
      });

      it("a second push transfers nothing", async () => {
        const run = await runCli([
          "push",
          `oci:${fixture.layout}:v1`,
          `${name}:v1`,
          "--platform",
          "all",
          "-q",
        ]);
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(
          new RegExp(`^${escapeRegExp(name)}:v1 ${fixture.image.index.digest} \\(0 transferred, `),
        );
      });

      it("config and blob give exact bytes; --platform picks the image", async () => {
        const config = await runCli(["config", `${name}:v1`, "--platform", "linux/arm64"]);
        expect(config.code).toBe(0);
        expect(config.stdoutBytes.equals(Buffer.from(child(1).config.bytes))).toBe(true);
        const layer = child(0).layers[0];
        const blob = await runCli(["blob", `${name}@${layer?.digest}`]);
        expect(blob.code).toBe(0);
        expect(blob.stdoutBytes.equals(Buffer.from(layer?.bytes ?? []))).toBe(true);
      });

      it("inspect --json: the platforms and the chosen image", async () => {
        const run = await runCli(["inspect", `${name}:v1`, "--platform", "linux/arm64", "--json"]);
        expect(run.code).toBe(0);
        const [result, ...rest] = run.json();
        expect(rest).toEqual([]);
        expect(result).toMatchObject({
          type: "result",
          command: "inspect",
          digest: fixture.image.index.digest,
          mediaType: "application/vnd.oci.image.index.v1+json",
          size: fixture.image.index.size,
          platforms: [
            { platform: { os: "linux", architecture: "amd64" }, digest: child(0).manifest.digest },
            { platform: { os: "linux", architecture: "arm64" }, digest: child(1).manifest.digest },
          ],
          image: {
            platform: { os: "linux", architecture: "arm64" },
            config: { digest: child(1).config.digest, size: child(1).config.size },
            layers: child(1).layers.map((layer) => ({ digest: layer.digest, size: layer.size })),
          },
        });
      });

      it("pull --platform all writes every blob; --platform linux/arm64 only arm64's", async () => {
        const all = join(fixture.workspace, `pull-all-${randomUUID().slice(0, 8)}`);
        const run = await runCli(["pull", `${name}:v1`, all, "--platform", "all", "--quiet"]);
        expect([run.code, run.stderr]).toEqual([0, ""]);
        const blobs = await readLayoutBlobs(all);
        for (const [digest, blob] of fixture.image.blobs) {
          expect(Buffer.from(blobs.get(digest) ?? []).equals(Buffer.from(blob.bytes)), digest).toBe(true);
        }
        const arm = join(fixture.workspace, `pull-arm-${randomUUID().slice(0, 8)}`);
        expect((await runCli(["pull", `${name}:v1`, arm, "--platform", "linux/arm64", "-q"])).code).toBe(0);
        const armBlobs = await readLayoutBlobs(arm);
        for (const layer of child(1).layers) expect(armBlobs.has(layer.digest)).toBe(true);
        for (const layer of child(0).layers) expect(armBlobs.has(layer.digest)).toBe(false);
      });

      it("pull --format docker writes a docker archive", async () => {
        const archive = join(fixture.workspace, `app-${randomUUID().slice(0, 8)}.tar`);
        const run = await runCli([
          "pull",
          `${name}:v1`,
          archive,
          "--format",
          "docker",
          "--platform",
          "linux/amd64",
        ]);
        expect(run.code).toBe(0);
        expect((await readFile(archive)).subarray(257, 262).toString("latin1")).toBe("ustar");
      });
    });

    describe("tag, copy, delete, catalog", () => {
      let name: string;
      beforeAll(async () => {
        name = repository("copy");
        await seedTestImage(raw(name), fixture.image, ["v1"]);
      });

      it("tag adds a tag that ls then lists", async () => {
        const run = await runCli(["tag", `${name}:v1`, "v2"]);
        expect([run.code, run.stdout]).toEqual([0, `${name}:v2 ${fixture.image.index.digest}\n`]);
        const ls = await runCli(["ls", name]);
        expect(ls.stdout.split("\n").filter(Boolean).sort()).toEqual(["v1", "v2"]);
      });

      it("copy --all-tags copies every tag, the index unchanged", async () => {
        const destination = repository("mirror");
        const run = await runCli(["copy", name, destination, "--all-tags", "--platform", "all", "--json"]);
        expect(run.code).toBe(0);
        const result = run.json().at(-1) as { outcomes: { tag?: string; digest: string }[] };
        expect(result.outcomes.map((outcome) => outcome.tag).sort()).toEqual(["v1", "v2"]);
        for (const outcome of result.outcomes) expect(outcome.digest).toBe(fixture.image.index.digest);
        const digest = await runCli(["digest", `${destination}:v2`]);
        expect(digest.stdout).toBe(`${fixture.image.index.digest}\n`);
      });

      it("cp --platform linux/arm64 copies that platform's image alone", async () => {
        const destination = repository("arm");
        const run = await runCli(["cp", `${name}:v1`, `${destination}:v1`, "--platform", "linux/arm64"]);
        expect(run.code).toBe(0);
        const digest = await runCli(["digest", `${destination}:v1`]);
        expect(digest.stdout).toBe(`${child(1).manifest.digest}\n`);
        const blob = await runCli(["blob", `${destination}@${child(0).layers[0]?.digest}`]);
        expect(blob.code).toBe(ExitCode.notFound);
      });

      it("delete removes the manifest; then the tag is not found (exit 3)", async () => {
        const target = repository("delete");
        await seedTestImage(raw(target), fixture.image, ["gone"]);
        const run = await runCli(["delete", `${target}:gone`]);
        expect([run.code, run.stdout]).toEqual([
          0,
          `Deleted ${target}@${fixture.image.index.digest} (tags gone)\n`,
        ]);
        expect(await manifestStatus(raw(target), "gone")).toBe(404);
        const digest = await runCli(["digest", `${target}:gone`]);
        expect(digest.code).toBe(ExitCode.notFound);
        expectOneErrorLine(digest.stderrLines, /check the name, tag, digest or path/);
      });

      it("catalog lists the repositories", async () => {
        const run = await runCli(["catalog", registry().host]);
        expect(run.code).toBe(0);
        expect(run.stdout.split("\n")).toContain(raw(name).repository);
      });
    });

    describe("not found exits 3 with one line", () => {
      const missing = (): string => `${registry().host}/flows/missing-${randomUUID().slice(0, 8)}`;
      it.each([
        ["a repository's tags", (ref: string) => ["ls", ref]],
        ["a tag", (ref: string) => ["digest", `${ref}:v1`]],
        ["a manifest", (ref: string) => ["manifest", `${ref}:v1`]],
        ["a blob", (ref: string) => ["blob", `${ref}@sha256:${"0".repeat(64)}`]],
        ["a pull", (ref: string) => ["pull", `${ref}:v1`, "/nonexistent-never/out"]],
      ])("%s", async (_name, argv) => {
        const run = await runCli(argv(missing()));
        expect([run.code, run.stdout]).toEqual([ExitCode.notFound, ""]);
        expectOneErrorLine(run.stderrLines, /check the name, tag, digest or path/);
      });
    });
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
