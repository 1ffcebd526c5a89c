import type { Descriptor, ReadableTarget, ReferrerLister } from "@stevedore/core";
import { isReferrerLister, UsageError } from "@stevedore/core";

/** One manifest of a referrer tree and what refers to it. */
export interface ReferrerNode {
  descriptor: Descriptor;
  referrers: ReferrerNode[];
}

/** Options of {@link referrersTree}. */
export interface ReferrersTreeOptions {
  /** Levels of referrers below the subject. Default 8; 1 lists only direct referrers. */
  depth?: number;
  /** Only direct referrers of this type (deeper levels are not filtered: a signature on an SBOM stays). */
  artifactType?: string;
  signal?: AbortSignal;
}

/**
 * The graph of referrers below `subject`: its referrers, theirs (a signature on an SBOM on an image), down
 * to `depth` levels. A manifest seen twice on one path (a cycle) is not expanded again.
 *
 * @throws UsageError when the target cannot list referrers or `depth` is not a positive integer.
 * @example
 * const tree = await referrersTree(remote, imageDescriptor, { depth: 3 });
 * for (const sbom of tree.referrers) console.log(sbom.descriptor.artifactType, sbom.referrers.length);
 */
export async function referrersTree(
  target: ReadableTarget,
  subject: Descriptor,
  options: ReferrersTreeOptions = {},
): Promise<ReferrerNode> {
  if (!isReferrerLister(target)) throw new UsageError("this location cannot list referrers");
  const depth = options.depth ?? 8;
  if (!Number.isSafeInteger(depth) || depth < 1)
    throw new UsageError(`--depth must be a positive whole number, got ${String(depth)}`);
  return expand(target, subject, depth, options, new Set([subject.digest]), true);
}

async function expand(
  target: ReferrerLister,
  descriptor: Descriptor,
  depth: number,
  options: ReferrersTreeOptions,
  path: ReadonlySet<string>,
  top: boolean,
): Promise<ReferrerNode> {
  const node: ReferrerNode = { descriptor, referrers: [] };
  if (depth === 0) return node;
  const listOptions = {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(top && options.artifactType !== undefined ? { artifactType: options.artifactType } : {}),
  };
  const found: Descriptor[] = [];
  for await (const referrer of target.referrers(descriptor, listOptions)) found.push(referrer);
  found.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  for (const referrer of found) {
    if (path.has(referrer.digest)) {
      node.referrers.push({ descriptor: referrer, referrers: [] });
      continue;
    }
    node.referrers.push(
      await expand(target, referrer, depth - 1, options, new Set([...path, referrer.digest]), false),
    );
  }
  return node;
}
