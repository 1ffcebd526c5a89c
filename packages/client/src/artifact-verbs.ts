/**
 * The artifact verbs of the facade: files ↔ artifacts, attach, referrer trees and index editing, over the
 * client's remotes with `@stevedore/artifact`, and the copies an index needs from other repositories.
 */
import type {
  ArtifactFile,
  IndexResult,
  PullArtifactResult,
  PushArtifactResult,
  ReferrerNode,
} from "@stevedore/artifact";
import {
  attach,
  createIndex,
  editIndexAt,
  pullArtifact,
  pushArtifact,
  referrersTree,
} from "@stevedore/artifact";
import type { Descriptor, Platform, ReadableTarget, Reference, ReferrerLister } from "@stevedore/core";
import { isReferrerLister, registryHost, UsageError } from "@stevedore/core";
import { copy } from "@stevedore/transfer";
import type { ClientContext } from "./client-context.js";
import { openSource } from "./open-location.js";
import { manifestReference, parseImageReference } from "./parse-image-reference.js";
import { parseLocation } from "./parse-location.js";

/** Options of `client.pushArtifact`. */
export interface PushArtifactCallOptions {
  files: readonly ArtifactFile[];
  artifactType?: string;
  config?: ArtifactFile;
  annotations?: Readonly<Record<string, string>>;
  /** More tags besides the reference's own. */
  tags?: readonly string[];
  signal?: AbortSignal;
}

/** Options of `client.attach`. */
export interface AttachCallOptions extends Omit<PushArtifactCallOptions, "artifactType" | "tags"> {
  artifactType: string;
}

/** Options of `client.pullArtifact`. */
export interface PullArtifactCallOptions {
  platform?: Platform;
  artifactType?: string;
  signal?: AbortSignal;
}

/** Options of `client.referrersTree`. */
export interface ReferrersTreeCallOptions {
  depth?: number;
  artifactType?: string;
  signal?: AbortSignal;
}

/** Options of `client.createIndex`. */
export interface CreateIndexCallOptions {
  annotations?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

/** Options of `client.editIndex`: what to add (references) and what to take out. */
export interface EditIndexCallOptions {
  add?: readonly string[];
  removePlatform?: Platform;
  removeDigest?: string;
  signal?: AbortSignal;
}

export type { ArtifactFile, IndexResult, PullArtifactResult, PushArtifactResult, ReferrerNode };

function call(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}

/** Pushes files as an artifact to `reference` (its tag, plus `tags`; by digest only for `repo@digest`). */
export async function pushArtifactVerb(
  context: ClientContext,
  reference: string,
  options: PushArtifactCallOptions,
): Promise<PushArtifactResult> {
  const parsed = parseImageReference(reference);
  if (parsed.digest !== undefined && parsed.tag === undefined) {
    throw new UsageError(`push an artifact to a tag, not a digest: ${reference} (its digest is computed)`);
  }
  const tags = [...(parsed.tag === undefined ? [] : [parsed.tag]), ...(options?.tags ?? [])];
  return pushArtifact(context.remote(parsed), { ...options, tags });
}

/** Attaches files to the manifest `subject` names, as a referrer. */
export async function attachVerb(
  context: ClientContext,
  subject: string,
  options: AttachCallOptions,
): Promise<PushArtifactResult> {
  const parsed = parseImageReference(subject);
  const remote = context.remote(parsed);
  const descriptor = await remote.resolve(manifestReference(parsed), call(options?.signal));
  return attach(remote, descriptor, options);
}

/** Pulls the artifact `reference` names into `directory`. */
export async function pullArtifactVerb(
  context: ClientContext,
  reference: string,
  directory: string,
  options: PullArtifactCallOptions = {},
): Promise<PullArtifactResult> {
  const parsed = parseImageReference(reference);
  return pullArtifact(context.remote(parsed), manifestReference(parsed), directory, options);
}

/** The referrers of `reference`, and theirs, as a tree. */
export async function referrersTreeVerb(
  context: ClientContext,
  reference: string,
  options: ReferrersTreeCallOptions = {},
): Promise<ReferrerNode> {
  const { target, subject } = await openSubject(context, reference, options.signal);
  return referrersTree(target, subject, options);
}

/**
 * The target and the manifest whose referrers are asked for: a registry reference, or a local location
 * (`oci:DIR[:TAG]`, whose referrers live in its referrers tags).
 *
 * @throws UsageError for a location that keeps no referrers (a docker archive).
 */
export async function openSubject(
  context: ClientContext,
  input: string,
  signal: AbortSignal | undefined,
): Promise<{ target: ReadableTarget & ReferrerLister; subject: Descriptor }> {
  context.checkOpen();
  const location = parseLocation(input);
  const source = await openSource(context, location, call(signal));
  if (!isReferrerLister(source.target)) {
    throw new UsageError(`${input} keeps no referrers: a docker archive holds images only`);
  }
  const subject = await source.target.resolve(source.reference, call(signal));
  return { target: source.target, subject };
}

/**
 * The manifests `sources` name, present in `destination`'s repository: a source there is resolved; one in
 * another repository of the same registry is copied by digest (its blobs mounted); one on another
 * registry is copied. Every platform of an index source comes along.
 */
async function bring(
  context: ClientContext,
  destination: Reference,
  sources: readonly string[],
  signal: AbortSignal | undefined,
): Promise<Descriptor[]> {
  const target = context.remote(destination);
  const descriptors: Descriptor[] = [];
  for (const source of sources) {
    const parsed = parseImageReference(source);
    const remote = context.remote(parsed);
    const sameRepository =
      registryHost(parsed.registry) === registryHost(destination.registry) &&
      parsed.repository === destination.repository;
    if (sameRepository) {
      descriptors.push(await remote.resolve(manifestReference(parsed), call(signal)));
      continue;
    }
    const result = await copy(remote, manifestReference(parsed), target, undefined, {
      platforms: "all",
      locations: context.locations,
      ...call(signal),
    });
    descriptors.push(result.descriptor);
  }
  return descriptors;
}

/** Creates an index at `reference` (a tag) over `sources`. */
export async function createIndexVerb(
  context: ClientContext,
  reference: string,
  sources: readonly string[],
  options: CreateIndexCallOptions = {},
): Promise<IndexResult> {
  const parsed = parseImageReference(reference, { defaultTag: false, purpose: "an index" });
  if (parsed.tag === undefined) throw new UsageError(`an index is created under a tag: ${reference}`);
  if (!Array.isArray(sources) || sources.length === 0)
    throw new UsageError("an index needs at least one image");
  const manifests = await bring(context, parsed, sources, options.signal);
  return createIndex(context.remote(parsed), manifests, {
    tags: [parsed.tag],
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
    ...call(options.signal),
  });
}

/** Adds to and removes from the index `reference` (a tag) names, in place. */
export async function editIndexVerb(
  context: ClientContext,
  reference: string,
  options: EditIndexCallOptions,
): Promise<IndexResult> {
  const parsed = parseImageReference(reference, { defaultTag: false, purpose: "an index edit" });
  if (parsed.tag === undefined) throw new UsageError(`an index is edited by its tag: ${reference}`);
  const add = await bring(context, parsed, options?.add ?? [], options?.signal);
  return editIndexAt(context.remote(parsed), parsed.tag, {
    add,
    ...(options.removePlatform === undefined ? {} : { removePlatform: options.removePlatform }),
    ...(options.removeDigest === undefined ? {} : { removeDigest: options.removeDigest }),
    ...call(options.signal),
  });
}
