import type { Descriptor, Platform, Target } from "@stevedore/core";
import { createHasher, descriptorOf, MediaType } from "@stevedore/core";
import { type Compression, compress, type TarWriterEntry, writeTar } from "@stevedore/tar";

const encoder = new TextEncoder();

/** All chunks of a stream as one buffer. */
export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A file entry with text content. */
export function file(name: string, text: string, mode = 0o644): TarWriterEntry {
  const content = encoder.encode(text);
  return { name, size: content.length, content, mode };
}

/** A directory entry. */
export function directory(name: string, mode = 0o755): TarWriterEntry {
  return { name, type: "directory", size: 0, mode };
}

/** Pushes one layer made of `entries`; returns its descriptor and diff ID. */
export async function pushLayer(
  target: Target,
  entries: TarWriterEntry[],
  compression: Compression = "gzip",
): Promise<{ descriptor: Descriptor; diffId: string }> {
  const tar = await collect(writeTar(entries));
  const hasher = createHasher();
  hasher.update(tar);
  const blob = await collect(
    compress(
      (async function* () {
        yield tar;
      })(),
      compression,
    ),
  );
  const mediaType =
    compression === "gzip"
      ? MediaType.OciLayerGzip
      : compression === "zstd"
        ? MediaType.OciLayerZstd
        : MediaType.OciLayer;
  const descriptor = descriptorOf(blob, mediaType);
  await target.push(descriptor, blob);
  return { descriptor, diffId: hasher.digest() };
}

/** Pushes an OCI image (config with labels, env and history) from layers of entries. */
export async function pushImage(
  target: Target,
  layers: TarWriterEntry[][],
  platform: Platform = { os: "linux", architecture: "amd64" },
  compression: Compression = "gzip",
): Promise<Descriptor> {
  const pushed = [];
  for (const entries of layers) pushed.push(await pushLayer(target, entries, compression));
  const config = encoder.encode(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      created: "2024-01-01T00:00:00Z",
      config: { Env: ["PATH=/usr/bin:/bin"], Cmd: ["/bin/sh"], Labels: { keep: "yes", drop: "me" } },
      rootfs: { type: "layers", diff_ids: pushed.map((layer) => layer.diffId) },
      history: pushed.map(() => ({ created: "2024-01-01T00:00:00Z", created_by: "test" })),
    }),
  );
  const configDescriptor = descriptorOf(config, MediaType.OciConfig);
  await target.push(configDescriptor, config);
  const manifest = encoder.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: configDescriptor,
      layers: pushed.map((layer) => layer.descriptor),
    }),
  );
  const descriptor = descriptorOf(manifest, MediaType.OciManifest);
  await target.push(descriptor, manifest);
  return descriptor;
}

/** Pushes an index of images, each with its platform. */
export async function pushIndex(
  target: Target,
  images: { descriptor: Descriptor; platform: Platform }[],
): Promise<Descriptor> {
  const bytes = encoder.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: images.map(({ descriptor, platform }) => ({ ...descriptor, platform })),
    }),
  );
  const descriptor = descriptorOf(bytes, MediaType.OciIndex);
  await target.push(descriptor, bytes);
  return descriptor;
}
