/**
 * `stevedore artifact push|pull`, `attach`, `referrers --tree` and `index create|add|remove` end to end,
 * against distribution 2.8 (no referrers API: the tag schema fallback) and the embedded registry (the
 * referrers API). Bytes are checked with raw HTTP, never through the code under test.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { createRegistryServer, type RegistryServer } from "@stevedore/server";
import { createTestImage, seedTestImage, sha256, type TestImage } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import type { FlowRegistry } from "./test-support/describe-registry-flows.js";
import { runCli } from "./test-support/fake-io.js";

const accept = ["application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json"].join(
  ", ",
);

let server: RegistryServer;
let embedded: FlowRegistry;
let workspace: string;

beforeAll(async () => {
  server = createRegistryServer();
  const { url } = await server.listen(0);
  embedded = { url, host: url.replace(/^http:\/\//, "") };
  workspace = await mkdtemp(join(tmpdir(), "stevedore-cli-artifact-"));
});

afterAll(async () => {
  await server.close();
  await rm(workspace, { recursive: true, force: true });
});

/** The manifest's exact bytes over raw HTTP. */
async function rawManifest(registry: FlowRegistry, repository: string, reference: string): Promise<Buffer> {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    headers: { accept },
  });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

async function rawBlob(registry: FlowRegistry, repository: string, digest: string): Promise<Buffer> {
  const response = await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

async function writeWorkFile(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(workspace, `${randomUUID().slice(0, 8)}-${name}`);
  await writeFile(path, content);
  return path;
}

type TreeNode = { descriptor: { digest: string; artifactType?: string }; referrers: TreeNode[] };

/** `referrers LOCATION --tree --json` as nested digests (and artifact types, when asked). */
async function referrersGraph(location: string, withTypes: boolean): Promise<unknown> {
  const shape = (node: TreeNode): unknown => ({
    digest: node.descriptor.digest,
    ...(withTypes ? { artifactType: node.descriptor.artifactType } : {}),
    referrers: node.referrers.map(shape),
  });
  const run = await runCli(["referrers", location, "--tree", "--json"]);
  expect([run.code, run.stderr]).toEqual([0, ""]);
  return shape((run.json()[0] as { tree: TreeNode }).tree);
}

const registries: [string, () => FlowRegistry][] = [
  ["distribution 2.8 (referrers tag schema)", () => inject("registryOpen")],
  ["the embedded registry (referrers API)", () => embedded],
];

describe.each(registries)(
  "artifacts on %s",
  (_label, registry) => {
    const repositoryName = (name: string): string => `artifacts/${name}-${randomUUID().slice(0, 8)}`;
    /** An image seeded over raw HTTP as v1, with an SPDX SBOM attached by `stevedore attach`. */
    const imageWithSbom = async (label: string) => {
      const repository = repositoryName(label);
      const image = createTestImage({ label });
      await seedTestImage({ url: registry().url, repository }, image, ["v1"]);
      const name = `${registry().host}/${repository}`;
      const sbomFile = await writeWorkFile("sbom.spdx.json", '{"spdxVersion":"SPDX-2.3"}');
      const sbom = await runCli([
        "attach",
        `${name}:v1`,
        `${sbomFile}:application/spdx+json`,
        "--artifact-type",
        "application/spdx+json",
      ]);
      expect([sbom.code, sbom.stderr]).toEqual([0, ""]);
      return { repository, image, name, sbomDigest: sbom.stdout.trim().split("@")[1] as string };
    };

    /** A cosign-style signature attached to the SBOM. */
    const signSbom = (name: string, sbomDigest: string) =>
      runCli([
        "attach",
        `${name}@${sbomDigest}`,
        "--artifact-type",
        "application/vnd.dev.cosign.artifact.sig.v1+json",
        "--annotation",
        "dev.cosignproject.cosign/signature=MEUCIQ",
      ]);

    it("artifact push writes an OCI 1.1 manifest of titled layers; artifact pull writes the files back", async () => {
      const repository = repositoryName("docs");
      const reference = `${registry().host}/${repository}:v1`;
      const readme = await writeWorkFile("readme.md", "# hello\n");
      const data = await writeWorkFile("data.bin", new Uint8Array([0, 1, 2, 255]));
      const push = await runCli([
        "artifact",
        "push",
        reference,
        `${readme}:text/markdown`,
        data,
        "--artifact-type",
        "application/vnd.example.docs",
        "--annotation",
        "org.example.note=hi",
        "--tag",
        "latest",
      ]);
      expect([push.code, push.stderr]).toEqual([0, ""]);
      const manifestBytes = await rawManifest(registry(), repository, "v1");
      const digest = sha256(manifestBytes);
      expect(push.stdout).toBe(
        `${registry().host}/${repository}:v1 ${digest}\n${registry().host}/${repository}:latest ${digest}\n`,
      );
      const manifest = JSON.parse(manifestBytes.toString());
      expect(manifest).toEqual({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/vnd.example.docs",
        config: {
          mediaType: "application/vnd.oci.empty.v1+json",
          digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
          size: 2,
          data: "e30=",
        },
        layers: [
          {
            mediaType: "text/markdown",
            digest: sha256(Buffer.from("# hello\n")),
            size: 8,
            annotations: { "org.opencontainers.image.title": readme.slice(workspace.length + 1) },
          },
          {
            mediaType: "application/vnd.oci.image.layer.v1.tar",
            digest: sha256(new Uint8Array([0, 1, 2, 255])),
            size: 4,
            annotations: { "org.opencontainers.image.title": data.slice(workspace.length + 1) },
          },
        ],
        annotations: { "org.example.note": "hi" },
      });
      expect((await rawBlob(registry(), repository, manifest.config.digest)).toString()).toBe("{}");

      const out = join(workspace, `out-${randomUUID().slice(0, 8)}`);
      const pull = await runCli(["artifact", "pull", `${registry().host}/${repository}:latest`, "-o", out]);
      expect([pull.code, pull.stderr]).toEqual([0, ""]);
      expect((await readdir(out)).sort()).toEqual(
        [readme, data].map((path) => path.slice(workspace.length + 1)).sort(),
      );
      expect(await readFile(join(out, readme.slice(workspace.length + 1)), "utf8")).toBe("# hello\n");
      expect([...(await readFile(join(out, data.slice(workspace.length + 1))))]).toEqual([0, 1, 2, 255]);
    });

    it("a directory goes up as oras's unpackable tar+gzip and comes back as the same tree", async () => {
      const repository = repositoryName("site");
      const parent = await mkdtemp(join(workspace, "dir-"));
      const site = join(parent, "site");
      await mkdir(join(site, "css"), { recursive: true });
      await writeFile(join(site, "index.html"), "<h1>hi</h1>");
      await writeFile(join(site, "css", "a.css"), "h1{}");
      const push = await runCli(["artifact", "push", `${registry().host}/${repository}:v1`, site]);
      expect([push.code, push.stderr]).toEqual([0, ""]);
      const manifest = JSON.parse((await rawManifest(registry(), repository, "v1")).toString());
      expect(manifest.layers[0].mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
      expect(manifest.layers[0].annotations).toMatchObject({
        "org.opencontainers.image.title": "site",
        "io.deis.oras.content.unpack": "true",
      });
      const tar = gunzipSync(await rawBlob(registry(), repository, manifest.layers[0].digest));
      expect(sha256(tar)).toBe(manifest.layers[0].annotations["io.deis.oras.content.digest"]);
      const out = join(workspace, `dir-out-${randomUUID().slice(0, 8)}`);
      const pull = await runCli(["artifact", "pull", `${registry().host}/${repository}:v1`, "-o", out]);
      expect([pull.code, pull.stderr]).toEqual([0, ""]);
      expect(await readFile(join(out, "site", "index.html"), "utf8")).toBe("<h1>hi</h1>");
      expect(await readFile(join(out, "site", "css", "a.css"), "utf8")).toBe("h1{}");
    });

    it("pushes a devcontainer Feature in the devcontainers CLI's exact bytes, and pulls it back", async () => {
      // devcontainers/cli containerCollectionsOCIPush.ts: config application/vnd.devcontainers (empty, size
      // 0), one layer application/vnd.devcontainers.layer.v1+tar titled devcontainer-feature-<id>.tgz, and
      // the Feature's devcontainer-feature.json as the dev.containers.metadata annotation.
      const repository = repositoryName("features/hello");
      const directory = await mkdtemp(join(workspace, "feature-"));
      const tgz = join(directory, "devcontainer-feature-hello.tgz");
      await writeFile(tgz, Buffer.from("not really a tgz, the registry does not care"));
      const empty = join(directory, "empty");
      await writeFile(empty, "");
      const metadata = JSON.stringify({ id: "hello", version: "1.0.0", name: "Hello, World!", options: {} });
      const push = await runCli([
        "artifact",
        "push",
        `${registry().host}/${repository}:1.0.0`,
        `${tgz}:application/vnd.devcontainers.layer.v1+tar`,
        "--config",
        `${empty}:application/vnd.devcontainers`,
        "--annotation",
        `dev.containers.metadata=${metadata}`,
      ]);
      expect([push.code, push.stderr]).toEqual([0, ""]);
      const tgzBytes = await readFile(tgz);
      // What calculateManifestAndContentDigest builds for the same file and annotations.
      const expected = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.devcontainers",
          digest: "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          size: 0,
        },
        layers: [
          {
            mediaType: "application/vnd.devcontainers.layer.v1+tar",
            digest: sha256(tgzBytes),
            size: tgzBytes.length,
            annotations: { "org.opencontainers.image.title": "devcontainer-feature-hello.tgz" },
          },
        ],
        annotations: { "dev.containers.metadata": metadata },
      });
      const stored = await rawManifest(registry(), repository, "1.0.0");
      expect(stored.toString()).toBe(expected);
      // The devcontainers CLI reads the metadata from the manifest and the layer by its media type.
      const manifest = JSON.parse(stored.toString());
      expect(JSON.parse(manifest.annotations["dev.containers.metadata"]).id).toBe("hello");
      const layer = manifest.layers.find(
        (entry: { mediaType: string }) => entry.mediaType === "application/vnd.devcontainers.layer.v1+tar",
      );
      expect((await rawBlob(registry(), repository, layer.digest)).equals(tgzBytes)).toBe(true);

      const out = join(workspace, `feature-out-${randomUUID().slice(0, 8)}`);
      const pull = await runCli(["artifact", "pull", `${registry().host}/${repository}:1.0.0`, "-o", out]);
      expect([pull.code, pull.stderr]).toEqual([0, ""]);
      expect((await readFile(join(out, "devcontainer-feature-hello.tgz"))).equals(tgzBytes)).toBe(true);
    });

    it("pushes a Helm chart in the shape helm push writes and helm pull accepts", async () => {
      // helm pkg/registry/client.go: config application/vnd.cncf.helm.config.v1+json (Chart.yaml as JSON),
      // the chart application/vnd.cncf.helm.chart.content.v1.tar+gzip; Pull needs both media types and at
      // least the manifest, config and chart among the descriptors.
      const repository = repositoryName("charts/mychart");
      const directory = await mkdtemp(join(workspace, "chart-"));
      const chart = join(directory, "mychart-0.1.0.tgz");
      await writeFile(chart, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
      const config = join(directory, "chart.json");
      const meta = JSON.stringify({
        name: "mychart",
        version: "0.1.0",
        apiVersion: "v2",
        type: "application",
      });
      await writeFile(config, meta);
      const push = await runCli([
        "artifact",
        "push",
        `${registry().host}/${repository}:0.1.0`,
        `${chart}:application/vnd.cncf.helm.chart.content.v1.tar+gzip`,
        "--config",
        `${config}:application/vnd.cncf.helm.config.v1+json`,
      ]);
      expect([push.code, push.stderr]).toEqual([0, ""]);
      const manifest = JSON.parse((await rawManifest(registry(), repository, "0.1.0")).toString());
      expect(manifest.artifactType).toBeUndefined();
      expect(manifest.config).toEqual({
        mediaType: "application/vnd.cncf.helm.config.v1+json",
        digest: sha256(Buffer.from(meta)),
        size: meta.length,
      });
      expect(manifest.layers.map((layer: { mediaType: string }) => layer.mediaType)).toEqual([
        "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
      ]);
      expect(JSON.parse((await rawBlob(registry(), repository, manifest.config.digest)).toString())).toEqual(
        JSON.parse(meta),
      );

      const out = join(workspace, `chart-out-${randomUUID().slice(0, 8)}`);
      const pull = await runCli(["artifact", "pull", `${registry().host}/${repository}:0.1.0`, "-o", out]);
      expect(pull.code).toBe(0);
      expect((await readFile(join(out, "mychart-0.1.0.tgz"))).equals(await readFile(chart))).toBe(true);
    });

    it("attach puts an SBOM and a signature on it; referrers --tree shows the graph", async () => {
      const { repository, image, name, sbomDigest } = await imageWithSbom("app");
      const sbomManifest = JSON.parse((await rawManifest(registry(), repository, sbomDigest)).toString());
      expect(sbomManifest.subject).toEqual({
        mediaType: image.index.mediaType,
        digest: image.index.digest,
        size: image.index.size,
      });
      const signature = await signSbom(name, sbomDigest);
      expect([signature.code, signature.stderr]).toEqual([0, ""]);
      const signatureDigest = signature.stdout.trim().split("@")[1] as string;
      expect(await runCli(["attach", `${name}:v1`])).toMatchObject({ code: ExitCode.usage });

      const tree = await runCli(["referrers", `${name}:v1`, "--tree"]);
      expect([tree.code, tree.stderr]).toEqual([0, ""]);
      const lines = tree.stdout.trimEnd().split("\n");
      expect(lines).toHaveLength(3);
      expect(lines[0]).toBe(`${name}:v1 ${image.index.digest}`);
      expect(lines[1]).toMatch(new RegExp(`^└── ${sbomDigest}  application/spdx\\+json  `));
      expect(lines[2]).toMatch(
        new RegExp(
          `^    └── ${signatureDigest}  application/vnd\\.dev\\.cosign\\.artifact\\.sig\\.v1\\+json  `,
        ),
      );

      const json = await runCli(["referrers", `${name}:v1`, "--tree", "--json"]);
      const [result] = json.json() as { tree: { descriptor: { digest: string }; referrers: unknown[] } }[];
      expect(result?.tree).toMatchObject({
        descriptor: { digest: image.index.digest },
        referrers: [
          {
            descriptor: { digest: sbomDigest, artifactType: "application/spdx+json" },
            referrers: [{ descriptor: { digest: signatureDigest }, referrers: [] }],
          },
        ],
      });
      const shallow = await runCli(["referrers", `${name}:v1`, "--tree", "--depth", "1"]);
      expect(shallow.stdout.trimEnd().split("\n")).toHaveLength(2);
      expect(await runCli(["referrers", `${name}:v1`, "--tree", "--depth", "0"])).toMatchObject({
        code: ExitCode.usage,
      });
    });

    it("referrers survive a copy into oci:DIR and back: referrers --tree shows the same graph at each step", async () => {
      const { image, name, sbomDigest } = await imageWithSbom("graph");
      const signature = await runCli([
        "attach",
        `${name}@${sbomDigest}`,
        "--artifact-type",
        "application/vnd.example.sig",
        "--annotation",
        "sig=1",
      ]);
      expect(signature.code).toBe(0);
      const tree = (location: string): Promise<unknown> => referrersGraph(location, false);
      const original = await tree(`${name}:v1`);
      expect(original).toEqual({
        digest: image.index.digest,
        referrers: [
          {
            digest: sbomDigest,
            referrers: [{ digest: signature.stdout.trim().split("@")[1], referrers: [] }],
          },
        ],
      });

      const layout = join(await mkdtemp(join(workspace, "graph-")), "layout");
      const down = await runCli([
        "copy",
        `${name}:v1`,
        `oci:${layout}:v1`,
        "--referrers",
        "--platform",
        "all",
        "-q",
      ]);
      expect([down.code, down.stderr]).toEqual([0, ""]);
      expect(await tree(`oci:${layout}:v1`)).toEqual(original);
      // The layout keeps them reachable: each subject's referrers index is tagged sha256-<hex> in index.json.
      const refs = JSON.parse(await readFile(join(layout, "index.json"), "utf8")).manifests.map(
        (entry: { annotations?: Record<string, string> }) =>
          entry.annotations?.["org.opencontainers.image.ref.name"],
      );
      expect(refs).toEqual(
        expect.arrayContaining(["v1", image.index.digest.replace(":", "-"), sbomDigest.replace(":", "-")]),
      );

      const back = `${registry().host}/${repositoryName("graph-back")}`;
      const up = await runCli([
        "copy",
        `oci:${layout}:v1`,
        `${back}:v1`,
        "--referrers",
        "--platform",
        "all",
        "-q",
      ]);
      expect([up.code, up.stderr]).toEqual([0, ""]);
      expect(await tree(`${back}:v1`)).toEqual(original);
    });

    it("referrers survive oci:DIR → oci-archive:FILE → registry: referrers --tree shows the same graph at each step", async () => {
      const { image, name, sbomDigest } = await imageWithSbom("archive");
      const signature = await signSbom(name, sbomDigest);
      expect([signature.code, signature.stderr]).toEqual([0, ""]);
      const tree = (location: string): Promise<unknown> => referrersGraph(location, true);
      const original = await tree(`${name}:v1`);
      expect(original).toEqual({
        digest: image.index.digest,
        artifactType: undefined,
        referrers: [
          {
            digest: sbomDigest,
            artifactType: "application/spdx+json",
            referrers: [
              {
                digest: signature.stdout.trim().split("@")[1],
                artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json",
                referrers: [],
              },
            ],
          },
        ],
      });
      const copyStep = async (from: string, to: string): Promise<void> => {
        const run = await runCli(["copy", from, to, "--referrers", "--platform", "all", "-q"]);
        expect([run.code, run.stderr]).toEqual([0, ""]);
      };
      const folder = await mkdtemp(join(workspace, "archive-graph-"));
      const layout = join(folder, "layout");
      await copyStep(`${name}:v1`, `oci:${layout}:v1`);
      expect(await tree(`oci:${layout}:v1`)).toEqual(original);

      const archive = join(folder, "image.tar");
      await copyStep(`oci:${layout}:v1`, `oci-archive:${archive}:v1`);
      expect(await tree(`oci-archive:${archive}:v1`)).toEqual(original);
      expect(await tree(`oci-archive:${archive}`)).toEqual(original);
      expect((await readdir(folder)).sort()).toEqual(["image.tar", "layout"]);

      for (const [label, target] of [
        ["distribution 2.8", inject("registryOpen")],
        ["the embedded registry", embedded],
      ] as const) {
        const back = `${target.host}/${repositoryName("archive-back")}`;
        await copyStep(`oci-archive:${archive}:v1`, `${back}:v1`);
        expect([label, await tree(`${back}:v1`)]).toEqual([label, original]);
        const digest = await runCli(["digest", `${back}:v1`]);
        expect(digest.stdout.trim()).toBe(image.index.digest);
      }
    });

    it("index create flattens an index source into its entries, as crane index append does", async () => {
      const repository = repositoryName("flatten");
      const image = createTestImage({ label: "flatten" });
      await seedTestImage({ url: registry().url, repository }, image, ["all"]);
      const name = `${registry().host}/${repository}`;
      const create = await runCli(["index", "create", `${name}:flat`, `${name}:all`]);
      expect([create.code, create.stderr]).toEqual([0, ""]);
      const source = JSON.parse((await rawManifest(registry(), repository, "all")).toString());
      const created = JSON.parse((await rawManifest(registry(), repository, "flat")).toString());
      // Every entry as it was, attestation included; the index itself is not nested.
      expect(created.manifests).toEqual(source.manifests);
      expect(created.manifests.map((entry: { digest: string }) => entry.digest)).not.toContain(
        image.index.digest,
      );
      // An index and one of its own images: that image is listed once.
      const again = await runCli([
        "index",
        "create",
        `${name}:again`,
        `${name}:all`,
        `${name}@${image.children[0]?.manifest.digest}`,
      ]);
      expect([again.code, again.stderr]).toEqual([0, ""]);
      const listedOnce = JSON.parse((await rawManifest(registry(), repository, "again")).toString());
      expect(listedOnce.manifests).toEqual(source.manifests);
      // An index and another image for one of its platforms list linux/amd64 twice: refused, nothing pushed.
      const another = createTestImage({ label: "flatten-other" });
      await seedTestImage({ url: registry().url, repository }, another, ["other"]);
      const twice = await runCli([
        "index",
        "create",
        `${name}:twice`,
        `${name}:all`,
        `${name}@${another.children[0]?.manifest.digest}`,
      ]);
      expect(twice.code).toBe(ExitCode.usage);
      expect(twice.stderrLines).toHaveLength(1);
      expect(twice.stderrLines[0]).toContain("two images for linux/amd64");
      const missing = await fetch(`${registry().url}/v2/${repository}/manifests/twice`, {
        headers: { accept },
      });
      await missing.arrayBuffer();
      expect(missing.status).toBe(404);
    });

    it("index create copies a source from another registry into the index's repository", async () => {
      const [, other] = registries.find(([label]) => label !== _label) ?? [];
      if (other === undefined) throw new Error("a second registry");
      const sourceRepository = repositoryName("elsewhere");
      const image = createTestImage({ label: "elsewhere" });
      await seedTestImage({ url: other().url, repository: sourceRepository }, image, ["all"]);
      const [, arm64] = image.children;
      if (arm64 === undefined) throw new Error("two children");
      const repository = repositoryName("gathered");
      const create = await runCli([
        "index",
        "create",
        `${registry().host}/${repository}:v1`,
        `${other().host}/${sourceRepository}@${arm64.manifest.digest}`,
      ]);
      expect([create.code, create.stderr]).toEqual([0, ""]);
      const created = JSON.parse((await rawManifest(registry(), repository, "v1")).toString());
      expect(created.manifests).toEqual([
        {
          mediaType: arm64.manifest.mediaType,
          digest: arm64.manifest.digest,
          size: arm64.manifest.size,
          platform: { architecture: "arm64", os: "linux", variant: "v8" },
        },
      ]);
      // The image came along: manifest, config and layers readable in the new repository, byte for byte.
      expect(sha256(await rawManifest(registry(), repository, arm64.manifest.digest))).toBe(
        arm64.manifest.digest,
      );
      for (const blob of [arm64.config, ...arm64.layers]) {
        expect(sha256(await rawBlob(registry(), repository, blob.digest))).toBe(blob.digest);
      }
    });

    it("index create builds an index from single-platform images; add and remove keep the other entries", async () => {
      const repository = repositoryName("multi");
      const image = createTestImage({ label: "index" });
      await seedTestImage({ url: registry().url, repository }, image, ["all"]);
      const name = `${registry().host}/${repository}`;
      const [amd64, arm64] = image.children;
      if (amd64 === undefined || arm64 === undefined) throw new Error("two children");
      const create = await runCli([
        "index",
        "create",
        `${name}:v1`,
        `${name}@${amd64.manifest.digest}`,
        "--annotation",
        "org.example=1",
      ]);
      expect([create.code, create.stderr]).toEqual([0, ""]);
      const created = await rawManifest(registry(), repository, "v1");
      expect(JSON.parse(created.toString())).toEqual({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          {
            mediaType: amd64.manifest.mediaType,
            digest: amd64.manifest.digest,
            size: amd64.manifest.size,
            platform: { architecture: "amd64", os: "linux" },
          },
        ],
        annotations: { "org.example": "1" },
      });

      // From another repository of the same registry: mounted, then listed.
      const other = repositoryName("other");
      await seedTestImage({ url: registry().url, repository: other }, image, ["all"]);
      const add = await runCli([
        "index",
        "add",
        `${name}:v1`,
        `${registry().host}/${other}@${arm64.manifest.digest}`,
      ]);
      expect([add.code, add.stderr]).toEqual([0, ""]);
      const added = (await rawManifest(registry(), repository, "v1")).toString();
      expect(added.startsWith(created.toString().slice(0, created.toString().indexOf("]")))).toBe(true);
      expect(JSON.parse(added).manifests[1]).toEqual({
        mediaType: arm64.manifest.mediaType,
        digest: arm64.manifest.digest,
        size: arm64.manifest.size,
        platform: { architecture: "arm64", os: "linux", variant: "v8" },
      });

      // Adding what the index lists already changes nothing.
      const addAgain = await runCli(["index", "add", `${name}:v1`, `${name}@${arm64.manifest.digest}`]);
      expect([addAgain.code, addAgain.stderr]).toEqual([0, ""]);
      expect((await rawManifest(registry(), repository, "v1")).toString()).toBe(added);

      const remove = await runCli(["index", "remove", `${name}:v1`, "--platform", "linux/amd64"]);
      expect([remove.code, remove.stderr]).toEqual([0, ""]);
      const removed = JSON.parse((await rawManifest(registry(), repository, "v1")).toString());
      expect(removed.manifests.map((entry: { digest: string }) => entry.digest)).toEqual([
        arm64.manifest.digest,
      ]);
      expect(removed.annotations).toEqual({ "org.example": "1" });
      const missing = await runCli(["index", "remove", `${name}:v1`, "--digest", amd64.manifest.digest]);
      expect(missing.code).toBe(ExitCode.notFound);
      expect(missing.stderrLines).toHaveLength(1);
    });

    it("artifact pull refuses a hostile title with exit 6 and one line, writing nothing", async () => {
      const repository = repositoryName("hostile");
      const bytes = Buffer.from("pwned");
      const seeded = { url: registry().url, repository };
      const upload = await fetch(`${seeded.url}/v2/${repository}/blobs/uploads/`, { method: "POST" });
      await upload.arrayBuffer();
      for (const [content, digest] of [
        [bytes, sha256(bytes)],
        [Buffer.from("{}"), sha256(Buffer.from("{}"))],
      ] as const) {
        const start = await fetch(`${seeded.url}/v2/${repository}/blobs/uploads/`, { method: "POST" });
        await start.arrayBuffer();
        const url = new URL(start.headers.get("location") as string, seeded.url);
        url.searchParams.set("digest", digest);
        const put = await fetch(url, {
          method: "PUT",
          headers: { "content-type": "application/octet-stream" },
          body: content,
        });
        await put.arrayBuffer();
        expect(put.status).toBe(201);
      }
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/x-hostile",
        config: {
          mediaType: "application/vnd.oci.empty.v1+json",
          digest: sha256(Buffer.from("{}")),
          size: 2,
        },
        layers: [
          {
            mediaType: "text/plain",
            digest: sha256(bytes),
            size: bytes.length,
            annotations: { "org.opencontainers.image.title": "../escaped.txt" },
          },
        ],
      });
      const put = await fetch(`${seeded.url}/v2/${repository}/manifests/v1`, {
        method: "PUT",
        headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
        body: manifest,
      });
      await put.arrayBuffer();
      const parent = await mkdtemp(join(workspace, "hostile-"));
      const out = join(parent, "out");
      const pull = await runCli(["artifact", "pull", `${registry().host}/${repository}:v1`, "-o", out]);
      expect(pull.code).toBe(ExitCode.verification);
      expect(pull.stderrLines).toHaveLength(1);
      expect(pull.stderrLines[0]).toContain("would write outside the directory");
      expect(await readdir(parent)).toEqual([]);
    });
    // The first run loads the client module from source: slow on a busy machine.
  },
  30_000,
);

describe("attach on distribution 2.8 under concurrency", { timeout: 30_000 }, () => {
  it("10 concurrent attaches to one subject leave all 10 in the referrers tag", async () => {
    const registry = inject("registryOpen");
    const repository = `artifacts/race-${randomUUID().slice(0, 8)}`;
    const image: TestImage = createTestImage({ label: "race" });
    await seedTestImage({ url: registry.url, repository }, image, ["v1"]);
    const name = `${registry.host}/${repository}`;
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        runCli([
          "attach",
          `${name}:v1`,
          "--artifact-type",
          "application/vnd.example.race",
          "--annotation",
          `n=${index}`,
        ]),
      ),
    );
    expect(runs.map((run) => [run.code, run.stderr])).toEqual(Array.from({ length: 10 }, () => [0, ""]));
    const attached = runs.map((run) => run.stdout.trim().split("@")[1]).sort();
    // Read the fallback tag over raw HTTP: the registry has no referrers API.
    const index = JSON.parse(
      (await rawManifest(registry, repository, image.index.digest.replace(":", "-"))).toString(),
    );
    expect(index.manifests.map((entry: { digest: string }) => entry.digest).sort()).toEqual(attached);
    const listed = await runCli(["referrers", `${name}:v1`, "--json"]);
    const [result] = listed.json() as { referrers: { digest: string }[] }[];
    expect(result?.referrers.map((entry) => entry.digest).sort()).toEqual(attached);
  });
});
