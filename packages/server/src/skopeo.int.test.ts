/**
 * Interop with skopeo (TOOLCHAIN.md "Real services for tests"): skopeo pushes an OCI layout to the
 * embedded registry and pulls it back byte for byte, without auth and through the token endpoint.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistryServer, type RegistryServerOptions } from "./create-registry-server.js";
import {
  descriptor,
  gzipLayer,
  json,
  ociConfig,
  ociIndex,
  ociLayer,
  ociManifest,
  type TestBlob,
} from "./test-support/registry-client.js";

const run = promisify(execFile);
const skopeo = (...args: string[]) =>
  run("skopeo", ["--insecure-policy", ...args], { maxBuffer: 16 * 1024 * 1024 });

const layers = [gzipLayer(64 * 1024), gzipLayer(96 * 1024)];
const config = json({
  architecture: "amd64",
  os: "linux",
  rootfs: { type: "layers", diff_ids: [`sha256:${"0".repeat(64)}`, `sha256:${"1".repeat(64)}`] },
  author: randomBytes(4).toString("hex"),
});
const manifest = json({
  schemaVersion: 2,
  mediaType: ociManifest,
  config: descriptor(ociConfig, config),
  layers: layers.map((layer) => descriptor(ociLayer, layer)),
  annotations: { "org.opencontainers.image.title": "stevedore server interop" },
});

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "stevedore-server-skopeo-"));
  const layout = join(work, "source");
  await mkdir(join(layout, "blobs", "sha256"), { recursive: true });
  for (const blob of [config, manifest, ...layers]) {
    await writeFile(join(layout, "blobs", "sha256", blob.digest.slice(7)), blob.bytes);
  }
  await writeFile(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociIndex,
      manifests: [
        descriptor(ociManifest, manifest, { annotations: { "org.opencontainers.image.ref.name": "v1" } }),
      ],
    }),
  );
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const readBlob = async (layout: string, blob: TestBlob) =>
  new Uint8Array(await readFile(join(layout, "blobs", "sha256", blob.digest.slice(7))));

describe.each<[string, RegistryServerOptions, string[], string[]]>([
  ["without auth", {}, [], []],
  [
    "with token auth",
    { auth: { type: "token", users: { alice: "s3cret" } }, storage: "memory" },
    ["--dest-creds", "alice:s3cret"],
    ["--src-creds", "alice:s3cret"],
  ],
])("skopeo copy %s", (label, options, pushCredentials, pullCredentials) => {
  it("pushes an OCI layout and pulls it back byte for byte", async () => {
    const server = createRegistryServer(options);
    const { url } = await server.listen();
    const host = new URL(url).host;
    const back = join(work, `back-${label.replace(/ /g, "-")}`);
    try {
      await skopeo(
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        ...pushCredentials,
        `oci:${join(work, "source")}:v1`,
        `docker://${host}/interop/app:v1`,
      );
      const served = await fetch(`${url}/v2/interop/app/manifests/v1`, {
        headers: options.auth === undefined ? {} : { Authorization: await bearer(url) },
      });
      expect(served.headers.get("docker-content-digest")).toBe(manifest.digest);
      await skopeo(
        "copy",
        "--src-tls-verify=false",
        ...pullCredentials,
        `docker://${host}/interop/app:v1`,
        `oci:${back}:v1`,
      );
      for (const blob of [manifest, config, ...layers])
        expect(await readBlob(back, blob)).toEqual(blob.bytes);
    } finally {
      await server.close();
    }
  }, 60_000);
});

async function bearer(url: string): Promise<string> {
  const response = await fetch(`${url}/token?service=stevedore&scope=repository:interop/app:pull`, {
    headers: { Authorization: `Basic ${Buffer.from("alice:s3cret").toString("base64")}` },
  });
  return `Bearer ${((await response.json()) as { token: string }).token}`;
}
