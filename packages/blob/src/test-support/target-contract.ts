/**
 * The shared `Target` contract suite (STYLE.md "Tests": one suite run over every implementation). Not part
 * of the build (tsconfig excludes `src/**\/test-support`); other packages import it by relative path:
 *
 * ```ts
 * import { describeTargetContract } from "../../blob/src/test-support/target-contract.js";
 *
 * describeTargetContract("layout target", async () => {
 *   const directory = await mkdtemp(join(tmpdir(), "layout-"));
 *   return { target: createLayoutTarget(directory), cleanup: () => rm(directory, { recursive: true }) };
 * });
 * ```
 *
 * - `setup(fixture)` runs once per test and returns a fresh, EMPTY target; `cleanup` (optional) runs after
 *   the test. For `{ readOnly: true }` the target must instead already hold every blob and manifest of
 *   `fixture` (`fixture.blobs`, `fixture.manifests`) with `fixture.manifest` tagged `fixture.tag`; only
 *   the reading tests run then.
 * - `sibling` (optional): another repository of the same registry, `{ target, repository }`; the mount tests
 *   need it and run only when the target is a `BlobMounter` and a sibling is given.
 * - Optional capabilities (`TagLister`, `ReferrerLister`, `RangeFetcher`, `BlobMounter`) are detected with
 *   core's `isX` guards; their tests run only when present.
 *
 * What every target must do: verify size and digest on push (nothing stored on a mismatch) and on fetch,
 * store manifests byte-exact, resolve tags and digests to `{ mediaType, digest, size }`, throw
 * `NotFoundError` for unknown tags and content, `AbortError` for an aborted signal, and report push
 * progress ending at the content's size.
 */
import { gzipSync } from "node:zlib";
import type { Descriptor, ReplayableSource, Target } from "@stevedore/core";
import {
  AbortError,
  DigestMismatchError,
  digestOf,
  isBlobMounter,
  isRangeFetcher,
  isReferrerLister,
  isTagLister,
  MediaType,
  NotFoundError,
  SizeMismatchError,
} from "@stevedore/core";
import { describe, expect, it, onTestFinished } from "vitest";
import { readAll } from "../read-all.js";

/** A piece of fixture content: its descriptor and exact bytes. */
export interface ContractContent {
  descriptor: Descriptor;
  bytes: Uint8Array;
}

/** The content the suite works with; deterministic, the same on every call. */
export interface TargetContractFixture {
  /** A ~256 KiB gzip layer (incompressible bytes). */
  layer: ContractContent;
  /** The OCI image config of `manifest`. */
  config: ContractContent;
  /** The empty blob `{}` (config of `artifact`). */
  empty: ContractContent;
  /** The single layer of `artifact`. */
  note: ContractContent;
  /** An OCI image manifest (pretty-printed, so re-serialising would change its digest). */
  manifest: ContractContent;
  /** An artifact manifest whose `subject` is `manifest`, with `artifactType` and annotations. */
  artifact: ContractContent;
  /** Every blob, in push order. */
  blobs: ContractContent[];
  /** Every manifest, children first. */
  manifests: ContractContent[];
  /** The tag pointing at `manifest` for read-only targets. */
  tag: string;
  /** Content stored nowhere. */
  missing: ContractContent;
}

/** What `setup` returns. */
export interface TargetContractSetup {
  target: Target;
  /** Another repository of the same registry, for mount tests. */
  sibling?: { target: Target; repository: string };
  cleanup?: () => Promise<void>;
}

/** Options of {@link describeTargetContract}. */
export interface TargetContractOptions {
  /** The target cannot be written: `setup` returns one already holding the fixture. */
  readOnly?: boolean;
  /**
   * The optional capabilities the target has. Declared up front (not detected) so a target that loses one
   * fails the suite instead of quietly running fewer tests; `mount` needs `setup` to return a `sibling`.
   */
  capabilities: { tags?: boolean; referrers?: boolean; ranges?: boolean; mount?: boolean };
}

const noteType = "application/vnd.stevedore.contract.note+json";

/** Builds the fixture content (deterministic). */
export function createTargetContractFixture(): TargetContractFixture {
  const tar = pseudoRandomBytes(256 * 1024, 0x5eed);
  const layer = content(MediaType.OciLayerGzip, new Uint8Array(gzipSync(tar, { level: 0 })));
  const config = content(
    MediaType.OciConfig,
    json({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [digestOf(tar)] },
    }),
  );
  const empty = content(MediaType.OciEmpty, new TextEncoder().encode("{}"));
  const note = content(noteType, json({ note: "stevedore contract" }));
  const manifest = content(
    MediaType.OciManifest,
    new TextEncoder().encode(
      `${JSON.stringify(
        {
          schemaVersion: 2,
          mediaType: MediaType.OciManifest,
          config: config.descriptor,
          layers: [layer.descriptor],
        },
        null,
        2,
      )}\n`,
    ),
  );
  const artifact = content(
    MediaType.OciManifest,
    json({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: noteType,
      config: empty.descriptor,
      layers: [note.descriptor],
      subject: manifest.descriptor,
      annotations: { "org.opencontainers.image.created": "2024-01-01T00:00:00Z", "com.example.kind": "note" },
    }),
  );
  const missing = content(MediaType.OciLayer, new TextEncoder().encode("stored nowhere"));
  return {
    layer,
    config,
    empty,
    note,
    manifest,
    artifact,
    blobs: [layer, config, empty, note],
    manifests: [manifest, artifact],
    tag: "v1",
    missing,
  };
}

/**
 * Declares the contract tests for a `Target` implementation under `describe(name)`.
 *
 * @example
 * ```ts
 * describeTargetContract("memory target", async () => ({ target: createMemoryTarget() }));
 * ```
 */
export function describeTargetContract(
  name: string,
  setup: (fixture: TargetContractFixture) => Promise<TargetContractSetup>,
  options: TargetContractOptions,
): void {
  const fixture = createTargetContractFixture();
  const open = async (): Promise<TargetContractSetup> => {
    const opened = await setup(fixture);
    if (opened.cleanup !== undefined) onTestFinished(opened.cleanup);
    return opened;
  };
  /** An empty target for writing tests, or the pre-filled one for read-only targets. */
  const filled = async (): Promise<TargetContractSetup> => {
    const opened = await open();
    if (!options.readOnly) await pushFixture(opened.target, fixture);
    return opened;
  };

  const has = options.capabilities;
  describe(name, () => {
    it("has exactly the declared optional capabilities", async () => {
      const { target } = await open();
      expect({
        tags: isTagLister(target),
        referrers: isReferrerLister(target),
        ranges: isRangeFetcher(target),
        mount: isBlobMounter(target),
      }).toEqual({
        tags: has.tags === true,
        referrers: has.referrers === true,
        ranges: has.ranges === true,
        mount: has.mount === true,
      });
    });

    describe("reading", () => {
      it("resolves a tag and the manifest digest to the same descriptor", async () => {
        const { target } = await filled();
        const expected = pick(fixture.manifest.descriptor);
        expect(pick(await target.resolve(fixture.tag))).toEqual(expected);
        expect(pick(await target.resolve(fixture.manifest.descriptor.digest))).toEqual(expected);
      });

      it("fetches every blob and manifest byte for byte", async () => {
        const { target } = await filled();
        for (const item of [...fixture.blobs, ...fixture.manifests]) {
          expect(await target.exists(item.descriptor)).toBe(true);
          expectBytes(await fetchBytes(target, item.descriptor), item.bytes);
        }
      });

      it("rejects fetched content that is larger than the descriptor says", async () => {
        const { target } = await filled();
        const short = { ...fixture.layer.descriptor, size: fixture.layer.descriptor.size - 1 };
        await expect(fetchBytes(target, short)).rejects.toBeInstanceOf(SizeMismatchError);
      });

      it("throws NotFoundError for unknown tags and content, and exists() is false", async () => {
        const { target } = await filled();
        await expect(target.resolve("no-such-tag")).rejects.toBeInstanceOf(NotFoundError);
        await expect(target.resolve(fixture.missing.descriptor.digest)).rejects.toBeInstanceOf(NotFoundError);
        await expect(fetchBytes(target, fixture.missing.descriptor)).rejects.toBeInstanceOf(NotFoundError);
        expect(await target.exists(fixture.missing.descriptor)).toBe(false);
      });

      it("throws AbortError when the signal is already aborted", async () => {
        const { target } = await filled();
        const signal = AbortSignal.abort();
        await expect(target.resolve(fixture.tag, { signal })).rejects.toBeInstanceOf(AbortError);
        await expect(fetchBytes(target, fixture.layer.descriptor, signal)).rejects.toBeInstanceOf(AbortError);
      });

      if (has.tags)
        it("lists the tag (TagLister)", async () => {
          const { target } = await filled();
          expect(await collect(need(target, isTagLister).tags())).toContain(fixture.tag);
        });

      if (has.referrers)
        it("lists referrers of a subject, filtered by artifactType (ReferrerLister)", async () => {
          const { target } = await filled();
          const subject = fixture.manifest.descriptor;
          const expected = {
            ...pick(fixture.artifact.descriptor),
            artifactType: noteType,
            annotations: {
              "org.opencontainers.image.created": "2024-01-01T00:00:00Z",
              "com.example.kind": "note",
            },
          };
          expect(await collect(need(target, isReferrerLister).referrers(subject))).toEqual([expected]);
          expect(
            await collect(need(target, isReferrerLister).referrers(subject, { artifactType: noteType })),
          ).toEqual([expected]);
          expect(
            await collect(
              need(target, isReferrerLister).referrers(subject, { artifactType: "application/x-other" }),
            ),
          ).toEqual([]);
          expect(await collect(need(target, isReferrerLister).referrers(fixture.missing.descriptor))).toEqual(
            [],
          );
        });

      if (has.ranges)
        it("fetches byte ranges (RangeFetcher)", async () => {
          const { target } = await filled();
          const { descriptor, bytes } = fixture.layer;
          expectBytes(
            await readAll(await need(target, isRangeFetcher).fetchRange(descriptor, 10, 1000)),
            bytes.subarray(10, 1000),
          );
          expectBytes(
            await readAll(await need(target, isRangeFetcher).fetchRange(descriptor, 100_000)),
            bytes.subarray(100_000),
          );
          expectBytes(
            await readAll(await need(target, isRangeFetcher).fetchRange(descriptor, 0, 1)),
            bytes.subarray(0, 1),
          );
        });
    });

    if (options.readOnly) return;

    describe("writing", () => {
      it("stores a pushed blob and fetches it byte for byte", async () => {
        const { target } = await open();
        const { descriptor, bytes } = fixture.layer;
        expect(await target.exists(descriptor)).toBe(false);
        await target.push(descriptor, bytes);
        expect(await target.exists(descriptor)).toBe(true);
        expectBytes(await fetchBytes(target, descriptor), bytes);
      });

      it("pushes from a replayable source of many small chunks and reports progress up to the size", async () => {
        const { target } = await open();
        const { descriptor, bytes } = fixture.layer;
        const reported: number[] = [];
        await target.push(descriptor, smallChunks(bytes, 4096), {
          onProgress: (count) => reported.push(count),
        });
        expectBytes(await fetchBytes(target, descriptor), bytes);
        expect(reported.at(-1)).toBe(bytes.length);
        expect(reported).toEqual([...reported].sort((a, b) => a - b));
      });

      it("accepts the same blob twice", async () => {
        const { target } = await open();
        const { descriptor, bytes } = fixture.config;
        await target.push(descriptor, bytes);
        await target.push(descriptor, bytes);
        expectBytes(await fetchBytes(target, descriptor), bytes);
      });

      it("rejects a blob whose digest is wrong and stores nothing", async () => {
        const { target } = await open();
        const corrupt = fixture.config.bytes.slice();
        corrupt[0] = (corrupt[0]! + 1) % 256;
        await expect(target.push(fixture.config.descriptor, corrupt)).rejects.toBeInstanceOf(
          DigestMismatchError,
        );
        expect(await target.exists(fixture.config.descriptor)).toBe(false);
        expect(await target.exists({ ...fixture.config.descriptor, digest: digestOf(corrupt) })).toBe(false);
      });

      it("rejects a blob whose size is wrong and stores nothing", async () => {
        const { target } = await open();
        const truncated = fixture.config.bytes.subarray(0, fixture.config.bytes.length - 1);
        await expect(target.push(fixture.config.descriptor, truncated)).rejects.toBeInstanceOf(
          SizeMismatchError,
        );
        expect(await target.exists(fixture.config.descriptor)).toBe(false);
      });

      it("stores a manifest byte-exact, tags it, and moves the tag", async () => {
        const { target } = await open();
        for (const blob of fixture.blobs) await target.push(blob.descriptor, blob.bytes);
        await target.push(fixture.manifest.descriptor, fixture.manifest.bytes);
        await target.tag(fixture.manifest.descriptor, "stable");
        expect(pick(await target.resolve("stable"))).toEqual(pick(fixture.manifest.descriptor));
        expect(pick(await target.resolve(fixture.manifest.descriptor.digest))).toEqual(
          pick(fixture.manifest.descriptor),
        );
        expectBytes(await fetchBytes(target, fixture.manifest.descriptor), fixture.manifest.bytes);

        await target.push(fixture.artifact.descriptor, fixture.artifact.bytes);
        await target.tag(fixture.artifact.descriptor, "stable");
        expect(pick(await target.resolve("stable"))).toEqual(pick(fixture.artifact.descriptor));
      });

      it("refuses to tag a manifest it does not hold", async () => {
        const { target } = await open();
        await expect(target.tag(fixture.manifest.descriptor, "v1")).rejects.toBeInstanceOf(NotFoundError);
        await expect(target.resolve("v1")).rejects.toBeInstanceOf(NotFoundError);
      });

      it("does not store anything when the push signal is already aborted", async () => {
        const { target } = await open();
        const { descriptor, bytes } = fixture.config;
        await expect(target.push(descriptor, bytes, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
          AbortError,
        );
        expect(await target.exists(descriptor)).toBe(false);
      });

      if (has.tags)
        it("lists every tag (TagLister)", async () => {
          const { target } = await open();
          expect(await collect(need(target, isTagLister).tags())).toEqual([]);
          await pushFixture(target, fixture);
          for (const tag of ["latest", "1.0", "v2"]) await target.tag(fixture.manifest.descriptor, tag);
          expect((await collect(need(target, isTagLister).tags())).sort()).toEqual([
            "1.0",
            "latest",
            "v1",
            "v2",
          ]);
        });

      if (has.mount)
        it("mounts a blob from a sibling repository (BlobMounter)", async () => {
          const { target, sibling } = await open();
          if (!isBlobMounter(target) || sibling === undefined) {
            throw new Error(
              "a target declared with `mount` must be a BlobMounter and setup must return a sibling",
            );
          }
          const { descriptor, bytes } = fixture.layer;
          await sibling.target.push(descriptor, bytes);
          expect(await target.mount(descriptor, sibling.repository)).toBe(true);
          expect(await target.exists(descriptor)).toBe(true);
          expectBytes(await fetchBytes(target, descriptor), bytes);
          // Declining is not an error: the caller then uploads (`spec/PROTOCOL.md` §4.1, mount → 202).
          expect(await target.mount(fixture.note.descriptor, sibling.repository)).toBe(false);
          expect(await target.exists(fixture.note.descriptor)).toBe(false);
        });
    });
  });
}

/** Narrows a target to a declared capability; a target without it fails the test that needs it. */
function need<T>(target: unknown, guard: (value: unknown) => value is T): T {
  if (!guard(target)) throw new Error(`the target was declared with a capability it lacks (${guard.name})`);
  return target;
}

/** Pushes the fixture into `target` the way a copy would: blobs, manifests children first, then the tag. */
export async function pushFixture(target: Target, fixture: TargetContractFixture): Promise<void> {
  for (const blob of fixture.blobs) await target.push(blob.descriptor, blob.bytes);
  for (const manifest of fixture.manifests) await target.push(manifest.descriptor, manifest.bytes);
  await target.tag(fixture.manifest.descriptor, fixture.tag);
}

async function fetchBytes(target: Target, descriptor: Descriptor, signal?: AbortSignal): Promise<Uint8Array> {
  return readAll(await target.fetch(descriptor, signal === undefined ? {} : { signal }));
}

/** Byte equality without a slow element-by-element diff of large arrays. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length, "length").toBe(expected.length);
  expect(Buffer.compare(actual, expected), "bytes differ").toBe(0);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

function pick(descriptor: Descriptor): Pick<Descriptor, "mediaType" | "digest" | "size"> {
  return { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
}

function content(mediaType: string, bytes: Uint8Array): ContractContent {
  return { descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length }, bytes };
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function smallChunks(bytes: Uint8Array, size: number): ReplayableSource {
  return async function* (offset: number) {
    for (let position = offset; position < bytes.length; position += size) {
      yield bytes.slice(position, position + size);
    }
  };
}

/** xorshift32: incompressible, reproducible bytes without `Math.random`. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index += 1) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[index] = state & 0xff;
  }
  return bytes;
}
