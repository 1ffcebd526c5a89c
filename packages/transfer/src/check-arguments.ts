import type { ReadableTarget, Target } from "@stevedore/core";
import { InvalidReferenceError, isTag, parseDigest, UsageError } from "@stevedore/core";

/** Internal: where a copy's root goes: a tag, a digest to check, or neither. */
export interface DestinationReference {
  tag?: string;
  digest?: string;
}

/** Internal: throws `UsageError` unless `value` has the methods of a `ReadableTarget` (or a `Target`). */
export function checkTarget(value: unknown, role: "source", writable: false): asserts value is ReadableTarget;
export function checkTarget(value: unknown, role: "destination", writable: true): asserts value is Target;
export function checkTarget(value: unknown, role: string, writable: boolean): void {
  const methods = writable ? ["resolve", "fetch", "exists", "push", "tag"] : ["resolve", "fetch", "exists"];
  const missing = methods.filter(
    (name) =>
      typeof value !== "object" ||
      value === null ||
      typeof (value as Record<string, unknown>)[name] !== "function",
  );
  if (missing.length > 0) {
    throw new UsageError(
      `the ${role} must be a ${writable ? "Target" : "ReadableTarget"} (missing ${missing.join(", ")})`,
    );
  }
}

/** Internal: a source reference is a tag or a digest, checked by the source when it resolves it. */
export function checkSourceReference(reference: unknown): asserts reference is string {
  if (typeof reference !== "string" || reference.length === 0) {
    throw new InvalidReferenceError(
      describeValue(reference),
      "the source reference must be a tag or a digest",
    );
  }
}

/**
 * Internal: a destination reference is a tag (set last), a digest (the copied root must have it; no tag)
 * or `undefined` (no tag). Checked before anything is copied.
 */
export function parseDestinationReference(reference: unknown): DestinationReference {
  if (reference === undefined) return {};
  if (typeof reference !== "string") {
    throw new InvalidReferenceError(
      describeValue(reference),
      "the destination reference must be a tag or a digest",
    );
  }
  if (reference.includes(":")) return { digest: parseDigest(reference) };
  if (!isTag(reference)) throw new InvalidReferenceError(reference, "not a valid tag");
  return { tag: reference };
}

/** A value that is not a string, for a message: `String(value)` throws for some objects (`{ toString: [] }`). */
function describeValue(value: unknown): string {
  try {
    return String(value).slice(0, 100);
  } catch {
    return typeof value;
  }
}
