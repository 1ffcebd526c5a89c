/** The manifest fixtures of `src/__fixtures__` (exact bytes; provenance in `SOURCES.md` there). */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** A fixture's exact bytes with a digest computed independently of the code under test. */
export interface Fixture {
  bytes: Uint8Array;
  digest: string;
  size: number;
  mediaType: string;
}

const mediaTypes: Record<string, string> = {
  "oci-image-manifest.json": "application/vnd.oci.image.manifest.v1+json",
  "oci-image-index.json": "application/vnd.oci.image.index.v1+json",
  "oci-artifact-manifest-with-subject.json": "application/vnd.oci.image.manifest.v1+json",
  "docker-v2-manifest.json": "application/vnd.docker.distribution.manifest.v2+json",
  "docker-manifest-list.json": "application/vnd.docker.distribution.manifest.list.v2+json",
  "schema1-signed.json": "application/vnd.docker.distribution.manifest.v1+prettyjws",
};

export function fixture(name: keyof typeof mediaTypes & string): Fixture {
  const bytes = new Uint8Array(readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url)));
  return { bytes, digest: sha256(bytes), size: bytes.length, mediaType: mediaTypes[name]! };
}

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export function sha512(bytes: Uint8Array | string): string {
  return `sha512:${createHash("sha512").update(bytes).digest("hex")}`;
}

/** Collects an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Collects a byte stream into one buffer. */
export async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
