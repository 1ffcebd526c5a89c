/**
 * Issue 12 ("faithful by default") end to end, as one suite run against any open registry on 127.0.0.1
 * (distribution 2.8 and the embedded registry): moving an image keeps it whole and its digest (skopeo reads
 * the result back), where one platform must be chosen it is linux/<this CPU>, and --platform is never
 * silently ignored. Test images are seeded with the client's test helpers (Node's crypto, zlib and fetch).
 */
import { randomUUID } from "node:crypto";
import { stat } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { defaultPlatforms, formatPlatform } from "@stevedore/core";
import {
  readLayoutBlobs,
  seedTestImage,
  sha256,
  type TestBlob,
  type TestImage,
  tarWithFile,
} from "@stevedore/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../exit-codes.js";
import { runCli } from "./fake-io.js";
import { expectOneErrorLine, type FlowRegistry, useFlowFixture } from "./flow-fixture.js";
import { skopeo, skopeoDigest } from "./skopeo.js";

/** What differs between registries in the suite. */
export interface FaithfulOptions {
  /** Whether the registry deletes a tag alone (the embedded one does; distribution 2.8 answers 400). */
  untag: boolean;
}

/** Defines the suite `label` against `registry()`. */
export function describeFaithfulFlows(
  label: string,
  registry: () => FlowRegistry,
  options: FaithfulOptions,
): void {
  describe(label, () => {
    const fixture = useFlowFixture(registry, "faithful");
    const { repository, raw, child, folder } = fixture;
    const oneErrorLine = (run: { stderrLines: string[] }, pattern: RegExp): void =>
      expectOneErrorLine(run.stderrLines, pattern);
    /** A repository holding the two-platform index as `v1` and its amd64 image alone as `single`. */
    let source: string;
    beforeAll(async () => {
      source = repository("source");
      await seedTestImage(raw(source), fixture.image, ["v1"]);
      await putManifest(raw(source), "single", child(0).manifest);
    });
    /** The image this machine gets by default: linux/<this CPU> (the test image has amd64 and arm64). */
    const native = (): TestImage["children"][number] => {
      const wanted = formatPlatform(defaultPlatforms()[0] ?? { os: "linux", architecture: "amd64" });
      return fixture.image.children.find((entry) => formatPlatform(entry.platform) === wanted) ?? child(0);
    };

    describe("moving an image keeps it whole (point 1)", () => {
      it("push without --platform pushes the whole index: skopeo reads the layout's digest back", async () => {
        const name = repository("push");
        const run = await runCli(["push", `oci:${fixture.layout}:v1`, `${name}:v1`, "-q"]);
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(new RegExp(`^${name}:v1 ${fixture.image.index.digest} \\(`));
        expect(await skopeoDigest(`docker://${name}:v1`)).toBe(fixture.image.index.digest);
        expect(await skopeoDigest(`docker://${name}@${child(1).manifest.digest}`)).toBe(
          child(1).manifest.digest,
        );
      });

      it("cp without --platform copies the whole index: the destination's digest is the source's", async () => {
        const destination = repository("copy");
        const run = await runCli(["cp", `${source}:v1`, `${destination}:v1`, "-q"]);
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(new RegExp(`^${destination}:v1 ${fixture.image.index.digest} \\(`));
        expect(await skopeoDigest(`docker://${destination}:v1`)).toBe(fixture.image.index.digest);
        for (const entry of fixture.image.children) {
          expect(await skopeoDigest(`docker://${destination}@${entry.manifest.digest}`)).toBe(
            entry.manifest.digest,
          );
        }
      });

      it("cp --all-tags without --platform keeps every tag's index digest", async () => {
        const from = repository("tags");
        await seedTestImage(raw(from), fixture.image, ["v1", "v2"]);
        const destination = repository("tags-copy");
        const run = await runCli(["cp", from, destination, "--all-tags", "-q"]);
        expect(run.code).toBe(0);
        for (const tag of ["v1", "v2"]) {
          expect(await skopeoDigest(`docker://${destination}:${tag}`)).toBe(fixture.image.index.digest);
        }
      });

      it("pull without --platform writes the whole index into the layout, every blob in it", async () => {
        const path = folder("pull");
        const run = await runCli(["pull", `${source}:v1`, `oci:${path}:v1`, "-q"]);
        expect(run.code).toBe(0);
        expect(run.stdout).toBe(
          `oci:${path}:v1 ${fixture.image.index.digest} (${fixture.image.blobs.size - 4} transferred, 0 skipped, 0 mounted; ${run.stdout.split("; ")[1]}`,
        );
        expect(await skopeoDigest(`oci:${path}:v1`)).toBe(fixture.image.index.digest);
        const blobs = await readLayoutBlobs(path);
        for (const digest of fixture.image.blobs.keys()) expect(blobs.has(digest), digest).toBe(true);
      });

      it("--platform still narrows: push of one platform tags that image manifest", async () => {
        const name = repository("narrow");
        const run = await runCli([
          "push",
          `oci:${fixture.layout}:v1`,
          `${name}:v1`,
          "--platform",
          "linux/arm64",
          "-q",
        ]);
        expect(run.code).toBe(0);
        expect(await skopeoDigest(`docker://${name}:v1`)).toBe(child(1).manifest.digest);
      });

      it("pull --format docker picks linux/<this CPU> from the index and says which", async () => {
        const archive = `${folder("archive")}.tar`;
        const run = await runCli(["pull", `${source}:v1`, archive, "--format", "docker"]);
        expect(run.code).toBe(0);
        const picked = formatPlatform(native().platform);
        expect(run.stdout).toMatch(
          new RegExp(`^docker-archive:${archive}:\\S+ ${native().manifest.digest} ${picked} \\(`),
        );
        expect(run.stderr).toContain(`the archive holds ${picked} of the index`);
        const config = await skopeo("inspect", "--config", "--raw", `docker-archive:${archive}`);
        expect(sha256(config)).toBe(native().config.digest);
      });
    });

    describe("where one platform must be chosen it is linux/<this CPU> (point 2)", () => {
      it("config and inspect of an index default to linux/<this CPU>", async () => {
        const config = await runCli(["config", `${source}:v1`]);
        expect(config.code).toBe(0);
        expect(config.stdoutBytes.equals(Buffer.from(native().config.bytes))).toBe(true);
        const inspect = await runCli(["inspect", `${source}:v1`, "--json"]);
        expect(inspect.json()[0]).toMatchObject({
          image: { platform: native().platform, config: { digest: native().config.digest } },
        });
      });

      it.each(["darwin", "win32"])(
        "on %s too, where no index has an image for that OS, config reads linux/<this CPU>",
        async (os) => {
          const real = Object.getOwnPropertyDescriptor(process, "platform");
          Object.defineProperty(process, "platform", { value: os, configurable: true });
          try {
            const config = await runCli(["config", `${source}:v1`]);
            expect(config.code).toBe(0);
            expect(config.stdoutBytes.equals(Buffer.from(native().config.bytes))).toBe(true);
          } finally {
            if (real !== undefined) Object.defineProperty(process, "platform", real);
          }
        },
      );
    });

    describe("delete and untag (point 6)", () => {
      it("delete by tag deletes the manifest and names every tag that pointed at it", async () => {
        const name = repository("delete");
        await seedTestImage(raw(name), fixture.image, ["v3", "v1", "v2"]);
        await putManifest(raw(name), "other", child(1).manifest);
        const run = await runCli(["delete", `${name}:v2`]);
        expect([run.code, run.stdout]).toEqual([
          0,
          `Deleted ${name}@${fixture.image.index.digest} (tags v1, v2, v3)\n`,
        ]);
        for (const tag of ["v1", "v2", "v3"]) {
          await expect(skopeoDigest(`docker://${name}:${tag}`)).rejects.toThrow(
            /manifest unknown|not found/i,
          );
        }
        await expect(skopeoDigest(`docker://${name}@${fixture.image.index.digest}`)).rejects.toThrow();
        expect(await skopeoDigest(`docker://${name}:other`)).toBe(child(1).manifest.digest);
        const json = await runCli(["delete", `${name}:other`, "--json"]);
        expect(json.json()[0]).toMatchObject({
          digest: child(1).manifest.digest,
          tags: ["other"],
          deleted: true,
        });
      });

      it("untag removes only the tag where the registry allows it, else says what it answered", async () => {
        const name = repository("untag");
        await seedTestImage(raw(name), fixture.image, ["keep", "drop"]);
        const run = await runCli(["untag", `${name}:drop`]);
        if (options.untag) {
          expect([run.code, run.stdout]).toEqual([0, `Untagged ${name}:drop\n`]);
          await expect(skopeoDigest(`docker://${name}:drop`)).rejects.toThrow();
        } else {
          expect([run.code, run.stdout]).toEqual([ExitCode.error, ""]);
          oneErrorLine(
            run,
            /the registry does not remove a tag alone: DELETE \S+\/manifests\/drop answered 400/,
          );
          expect(await skopeoDigest(`docker://${name}:drop`)).toBe(fixture.image.index.digest);
        }
        expect(await skopeoDigest(`docker://${name}:keep`)).toBe(fixture.image.index.digest);
      });

      it("untag of a digest or without a tag is a usage error", async () => {
        for (const argument of [`${source}@${fixture.image.index.digest}`, source]) {
          const run = await runCli(["untag", argument]);
          expect([run.code, run.stdout]).toEqual([ExitCode.usage, ""]);
          // Names what untag takes: never "a tag or digest", since a digest is refused.
          oneErrorLine(run, /untag (removes a tag: name|needs) REPOSITORY:TAG/);
        }
      });
    });

    describe("cp --all-tags counts once per run (point 6)", () => {
      it("3 tags of one image: each blob counted once, a summary names the 3 tags", async () => {
        const from = repository("count");
        await seedTestImage(raw(from), fixture.image, ["v1", "v2", "v3"]);
        const path = folder("count");
        const run = await runCli(["cp", from, `oci:${path}`, "--all-tags", "-q"]);
        expect(run.code).toBe(0);
        const lines = run.stdout.trim().split("\n");
        const blobs = fixture.image.blobs.size - 4;
        const transferred = lines.slice(0, 3).map((line) => Number(/\((\d+) transferred/.exec(line)?.[1]));
        expect(transferred.sort()).toEqual([0, 0, blobs]);
        expect(lines[3]).toMatch(
          new RegExp(`^3 tags copied \\(${blobs} transferred, 0 skipped, 0 mounted; `),
        );
        for (const tag of ["v1", "v2", "v3"]) {
          expect(await skopeoDigest(`oci:${path}:${tag}`)).toBe(fixture.image.index.digest);
        }
        const json = await runCli(["cp", from, repository("count-copy"), "--all-tags", "--json"]);
        const result = json.json().at(-1) as { total: { tags: number; blobs: Record<string, number> } };
        expect(result.total).toMatchObject({
          tags: 3,
          blobs: { transferred: 0, skipped: 0, mounted: blobs },
        });
      });
    });

    describe("inspect shows what users look for (point 6)", () => {
      it("Env, Entrypoint, Cmd, User, WorkingDir, ports; layer and total sizes labelled apart", async () => {
        const name = repository("inspect");
        const layer = blobOf(
          gzipSync(tarWithFile("app", Buffer.from("binary"))),
          "application/vnd.oci.image.layer.v1.tar+gzip",
        );
        const config = blobOf(
          new TextEncoder().encode(
            JSON.stringify({
              architecture: "amd64",
              os: "linux",
              config: {
                Env: ["PATH=/usr/bin", "MODE=prod"],
                Entrypoint: ["/app"],
                Cmd: ["--serve"],
                User: "1000:1000",
                WorkingDir: "/srv",
                ExposedPorts: { "8080/tcp": {}, "53/udp": {} },
              },
              rootfs: { type: "layers", diff_ids: [sha256(tarWithFile("app", Buffer.from("binary")))] },
            }),
          ),
          "application/vnd.oci.image.config.v1+json",
        );
        await pushImageLike(raw(name), "v1", config, [layer]);
        const json = await runCli(["inspect", `${name}:v1`, "--json"]);
        expect(json.code).toBe(0);
        expect(json.json()[0]).toMatchObject({
          image: {
            env: ["PATH=/usr/bin", "MODE=prod"],
            entrypoint: ["/app"],
            cmd: ["--serve"],
            user: "1000:1000",
            workingDir: "/srv",
            exposedPorts: ["53/udp", "8080/tcp"],
            layersSize: layer.size,
            totalSize: layer.size + config.size,
          },
        });
        const text = await runCli(["inspect", `${name}:v1`]);
        expect(text.stdout).toContain(`  Layers:     1 layer, ${layer.size} B compressed\n`);
        expect(text.stdout).toContain(
          `  Total:      ${layer.size + config.size} B compressed (config and layers)\n`,
        );
        expect(text.stdout).toContain(
          '  Entrypoint: ["/app"]\n  Cmd:        ["--serve"]\n  User:       1000:1000\n',
        );
        expect(text.stdout).toContain("  Env:        PATH=/usr/bin\n              MODE=prod\n");
        expect(text.stdout).toContain("  Ports:      53/udp, 8080/tcp\n");
      });

      it("an artifact shows its artifactType", async () => {
        const name = repository("inspect-chart");
        await pushChart(raw(name));
        const run = await runCli(["inspect", `${name}:0.1.0`]);
        expect(run.code).toBe(0);
        expect(run.stdout).toContain("Artifact:    application/vnd.cncf.helm.config.v1+json\n");
        expect(run.stdout).not.toContain("Image:");
      });
    });

    describe("catalog (point 6)", () => {
      it("REGISTRY/PREFIX lists only the repositories under the prefix; docker://REGISTRY works", async () => {
        const prefix = `faithful/catalog-${randomUUID().slice(0, 8)}`;
        const host = registry().host;
        for (const name of [`${prefix}/a`, `${prefix}/b/c`, `${prefix}x/d`]) {
          await seedTestImage(raw(`${host}/${name}`), fixture.image, ["v1"]);
        }
        const run = await runCli(["catalog", `docker://${host}/${prefix}`]);
        expect([run.code, run.stdout]).toEqual([0, `${prefix}/a\n${prefix}/b/c\n`]);
        const json = await runCli(["catalog", `${host}/${prefix}/b`, "--json"]);
        expect(json.json()[0]).toMatchObject({ repositories: [`${prefix}/b/c`] });
        const whole = await runCli(["catalog", `docker://${host}`]);
        expect(whole.code).toBe(0);
        expect(whole.stdout.split("\n")).toEqual(expect.arrayContaining([`${prefix}/a`, `${prefix}x/d`]));
      });

      it("a prefix that is no repository path is a usage error", async () => {
        const run = await runCli(["catalog", `${registry().host}/Team/UPPER`]);
        expect([run.code, run.stdout]).toEqual([ExitCode.usage, ""]);
        oneErrorLine(run, /invalid repository prefix "Team\/UPPER"/);
      });
    });

    describe("pull --format docker of something that is not an image (point 6)", () => {
      it("a Helm chart fails with exit 2 and writes nothing", async () => {
        const name = repository("chart");
        const chart = await pushChart(raw(name));
        const archive = `${folder("chart")}.tar`;
        const run = await runCli(["pull", `${name}:0.1.0`, archive, "--format", "docker"]);
        expect([run.code, run.stdout]).toEqual([ExitCode.usage, ""]);
        oneErrorLine(
          run,
          /is not a container image \(artifact type application\/vnd\.cncf\.helm\.config\.v1\+json\)/,
        );
        await expect(stat(archive)).rejects.toThrow(/ENOENT/);
        // An OCI layout holds it as it is.
        const path = folder("chart-layout");
        expect((await runCli(["pull", `${name}:0.1.0`, `oci:${path}:0.1.0`, "-q"])).code).toBe(0);
        expect(await skopeoDigest(`oci:${path}:0.1.0`)).toBe(chart);
      });
    });

    describe("--platform is never silently ignored (point 3)", () => {
      it("manifest --platform prints that platform's image manifest, byte for byte", async () => {
        const run = await runCli(["manifest", `${source}:v1`, "--platform", "linux/arm64"]);
        expect(run.code).toBe(0);
        expect(run.stdoutBytes.equals(Buffer.from(child(1).manifest.bytes))).toBe(true);
        expect(await skopeoDigest(`docker://${source}@${child(1).manifest.digest}`)).toBe(
          child(1).manifest.digest,
        );
      });

      it("digest --platform prints that platform's image manifest digest", async () => {
        const run = await runCli(["digest", `${source}:v1`, "--platform", "linux/arm64"]);
        expect([run.code, run.stdout]).toEqual([0, `${child(1).manifest.digest}\n`]);
        const json = await runCli(["digest", `${source}:v1`, "--platform", "linux/amd64", "--json"]);
        expect(json.json()[0]).toMatchObject({ digest: child(0).manifest.digest });
      });

      it.each([
        ["manifest", (ref: string) => ["manifest", ref]],
        ["digest", (ref: string) => ["digest", ref]],
        ["config", (ref: string) => ["config", ref]],
        ["inspect", (ref: string) => ["inspect", ref]],
        ["pull", (ref: string) => ["pull", ref, "/nonexistent-never/out"]],
        ["cp", (ref: string) => ["cp", ref, `${ref.replace(/:single$/, "-copy")}:single`]],
      ])("%s of a single linux/amd64 image with --platform linux/arm64 exits 3", async (_name, argv) => {
        const run = await runCli([...argv(`${source}:single`), "--platform", "linux/arm64"]);
        expect([run.code, run.stdout]).toEqual([ExitCode.notFound, ""]);
        oneErrorLine(run, /is a single-platform image for linux\/amd64, not linux\/arm64/);
      });

      it("a single image that matches --platform is read as usual", async () => {
        const run = await runCli(["digest", `${source}:single`, "--platform", "linux/amd64"]);
        expect([run.code, run.stdout]).toEqual([0, `${child(0).manifest.digest}\n`]);
      });

      it.each([
        ["config", ["config", "REF"]],
        ["inspect", ["inspect", "REF"]],
        ["manifest", ["manifest", "REF"]],
        ["digest", ["digest", "REF"]],
        ["pull --format docker", ["pull", "REF", "/nonexistent-never/a.tar", "--format", "docker"]],
      ])("--platform all where one platform is needed (%s) is a usage error", async (_name, argv) => {
        const run = await runCli([
          ...argv.map((part) => (part === "REF" ? `${source}:v1` : part)),
          "--platform",
          "all",
        ]);
        expect([run.code, run.stdout]).toEqual([ExitCode.usage, ""]);
        oneErrorLine(run, /reads one platform \(all given\)|one image: choose at most one platform/);
      });

      it("--platform on a command that reads no platform is a usage error", async () => {
        const run = await runCli(["tag", `${source}:v1`, "v9", "--platform", "linux/arm64"]);
        expect([run.code, run.stdout]).toEqual([ExitCode.usage, ""]);
        oneErrorLine(run, /--platform does not apply to 'stevedore tag'/);
      });
    });
  });
}

/** A Helm-chart-like artifact (helm config, one tar+gzip layer) pushed as `0.1.0`; resolves its digest. */
async function pushChart(target: { url: string; repository: string }): Promise<string> {
  const config = blobOf(
    new TextEncoder().encode('{"name":"demo","version":"0.1.0"}'),
    "application/vnd.cncf.helm.config.v1+json",
  );
  const layer = blobOf(gzipSync(Buffer.from("chart")), "application/vnd.cncf.helm.chart.content.v1.tar+gzip");
  return pushImageLike(target, "0.1.0", config, [layer]);
}

/** Uploads `config` and `layers` (`POST ?digest=`, or `POST` then `PUT`) and tags a manifest of them. */
async function pushImageLike(
  target: { url: string; repository: string },
  tag: string,
  config: TestBlob,
  layers: TestBlob[],
): Promise<string> {
  for (const blob of [config, ...layers]) {
    const response = await fetch(
      `${target.url}/v2/${target.repository}/blobs/uploads/?digest=${blob.digest}`,
      { method: "POST", headers: { "content-type": "application/octet-stream" }, body: blob.bytes },
    );
    await response.arrayBuffer();
    if (response.status !== 201 && response.status !== 202) {
      throw new Error(`POST blob answered ${response.status}`);
    }
    if (response.status === 202) {
      const location = new URL(response.headers.get("location") ?? "", target.url);
      location.searchParams.set("digest", blob.digest);
      const put = await fetch(location, { method: "PUT", body: blob.bytes });
      await put.arrayBuffer();
      if (put.status !== 201) throw new Error(`PUT blob answered ${put.status}`);
    }
  }
  const descriptor = ({ mediaType, digest, size }: TestBlob) => ({ mediaType, digest, size });
  const manifest = blobOf(
    new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: descriptor(config),
        layers: layers.map(descriptor),
      }),
    ),
    "application/vnd.oci.image.manifest.v1+json",
  );
  await putManifest(target, tag, manifest);
  return manifest.digest;
}

function blobOf(bytes: Uint8Array, mediaType: string): TestBlob {
  return { mediaType, digest: sha256(bytes), size: bytes.length, bytes };
}

/** PUT of a manifest's bytes under a tag with raw HTTP. */
async function putManifest(
  target: { url: string; repository: string },
  tag: string,
  manifest: TestBlob,
): Promise<void> {
  const response = await fetch(`${target.url}/v2/${target.repository}/manifests/${tag}`, {
    method: "PUT",
    headers: { "content-type": manifest.mediaType },
    body: manifest.bytes,
  });
  await response.arrayBuffer();
  if (response.status !== 201) throw new Error(`PUT manifest ${tag} answered ${response.status}`);
}
