import type { Reference } from "@stevedore/core";
import { parseReference, UsageError } from "@stevedore/core";

/** Options of {@link parseImageReference}. */
export interface ParseImageReferenceOptions {
  /** Tag used when the input names neither tag nor digest. Default `latest`; `false`: one must be named. */
  defaultTag?: string | false;
  /** What the reference is for, in the message when a tag or digest is missing. */
  purpose?: string;
  /** The message names only a tag as missing, for verbs that take no digest (`untag`). */
  tagOnly?: boolean;
}

/**
 * Parses the registry reference a verb works on (`alpine:3.20`, `localhost:5000/team/app@sha256:…`); a
 * `docker://` prefix is accepted, as in locations.
 *
 * @throws InvalidReferenceError when the reference is not valid.
 * @throws UsageError when `defaultTag` is `false` and neither tag nor digest is named.
 */
export function parseImageReference(input: string, options: ParseImageReferenceOptions = {}): Reference {
  if (typeof input !== "string") throw new UsageError(`a reference must be a string, got ${typeof input}`);
  const text = input.startsWith("docker://") ? input.slice("docker://".length) : input;
  const defaultTag = options.defaultTag ?? "latest";
  const reference = parseReference(text, defaultTag === false ? {} : { defaultTag });
  if (reference.tag === undefined && reference.digest === undefined) {
    const missing = options.tagOnly === true ? "REPOSITORY:TAG" : "a tag or digest";
    throw new UsageError(`${options.purpose ?? "this"} needs ${missing}: ${JSON.stringify(input)}`);
  }
  return reference;
}

/** What a registry is asked for: the digest when the reference has one, else its tag. */
export function manifestReference(reference: Reference): string {
  return reference.digest ?? reference.tag ?? "latest";
}
