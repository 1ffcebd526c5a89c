/**
 * Test helpers: plain `fetch` against a listening registry, and test content.
 */
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { digestOf } from "@stevedore/core";

export const ociManifest = "application/vnd.oci.image.manifest.v1+json";
export const ociIndex = "application/vnd.oci.image.index.v1+json";
export const ociConfig = "application/vnd.oci.image.config.v1+json";
export const ociLayer = "application/vnd.oci.image.layer.v1.tar+gzip";
export const emptyJson = "application/vnd.oci.empty.v1+json";

/** A blob in memory with its digest. */
export interface TestBlob {
  bytes: Uint8Array;
  digest: string;
}

export function blobOf(bytes: Uint8Array | string): TestBlob {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  return { bytes: data, digest: digestOf(data) };
}

export function randomBlob(size: number): TestBlob {
  return blobOf(new Uint8Array(randomBytes(size)));
}

/** A real gzip stream over random bytes (level 0: fast, and skopeo sees it as compressed). */
export function gzipLayer(size: number): TestBlob {
  return blobOf(new Uint8Array(gzipSync(randomBytes(size), { level: 0 })));
}

/** The descriptor of a blob. */
export function descriptor(
  mediaType: string,
  blob: TestBlob,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { mediaType, digest: blob.digest, size: blob.bytes.length, ...extra };
}

/** The bytes of a JSON document exactly as given. */
export function json(document: unknown): TestBlob {
  return blobOf(JSON.stringify(document));
}

/** A referrers entry (`spec/PROTOCOL.md` §7.1). */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations: Record<string, string>;
}

/** Every JSON body the registry sends, loosely: listings, referrers indexes, error bodies. */
export interface RegistryJson {
  name: string;
  tags: string[];
  repositories: string[];
  schemaVersion: number;
  mediaType: string;
  manifests: ReferrerDescriptor[];
  errors: { code: string; message: string }[];
}

/** A fetch `Response` whose `json()` is typed as a registry body. */
export type TestResponse = Omit<Response, "json"> & { json(): Promise<RegistryJson> };

/** A fetch client bound to a registry base URL. */
export interface TestClient {
  base: string;
  request(
    method: string,
    path: string,
    init?: { body?: Uint8Array | string; headers?: Record<string, string> },
  ): Promise<TestResponse>;
  /** POST then PUT; returns the blob's digest. */
  pushBlob(repository: string, blob: TestBlob): Promise<void>;
  /** PUT of a manifest under `reference`; returns the response. */
  putManifest(
    repository: string,
    reference: string,
    manifest: TestBlob,
    mediaType?: string,
  ): Promise<TestResponse>;
}

export function testClient(base: string, headers: Record<string, string> = {}): TestClient {
  const request: TestClient["request"] = async (method, path, init = {}) =>
    (await fetch(new URL(path, base), {
      method,
      headers: { ...headers, ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    })) as TestResponse;
  return {
    base,
    request,
    async pushBlob(repository, blob) {
      const start = await request("POST", `/v2/${repository}/blobs/uploads/`, {
        headers: { "Content-Length": "0" },
      });
      if (start.status !== 202) throw new Error(`POST gave ${start.status}`);
      const location = new URL(start.headers.get("location") ?? "", base);
      location.searchParams.set("digest", blob.digest);
      const put = await request("PUT", location.pathname + location.search, {
        body: blob.bytes,
        headers: { "Content-Type": "application/octet-stream" },
      });
      if (put.status !== 201) throw new Error(`PUT gave ${put.status}: ${await put.text()}`);
    },
    putManifest(repository, reference, manifest, mediaType = ociManifest) {
      return request("PUT", `/v2/${repository}/manifests/${reference}`, {
        body: manifest.bytes,
        headers: { "Content-Type": mediaType },
      });
    },
  };
}

/** A small image: a config, one gzip layer and the manifest, with extra manifest fields. */
export function testImage(extra: Record<string, unknown> = {}): {
  config: TestBlob;
  layer: TestBlob;
  manifest: TestBlob;
} {
  const config = json({
    architecture: "amd64",
    os: "linux",
    author: randomBytes(8).toString("hex"),
    rootfs: { type: "layers", diff_ids: [] },
  });
  const layer = gzipLayer(600);
  const manifest = json({
    schemaVersion: 2,
    mediaType: ociManifest,
    config: descriptor(ociConfig, config),
    layers: [descriptor(ociLayer, layer)],
    ...extra,
  });
  return { config, layer, manifest };
}
