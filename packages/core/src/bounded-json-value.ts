/**
 * Internal: a copy of an untrusted value (a registry's error `detail`, `spec/PROTOCOL.md` §9.1: "any JSON")
 * that `JSON.stringify` can always serialise, small enough for a log line. A body nested 10 000 levels deep
 * would otherwise overflow the stack of a caller's JSON logger, and a detail of many MiB would be copied
 * whole into every log. The walk itself is bounded too: it stops when the budget is spent, so even a
 * cyclic or hugely wide object costs at most `maxChars` of work.
 */

/** Limits for {@link boundedJsonValue}. */
export interface BoundedJsonLimits {
  /** Arrays and objects nested deeper than this become {@link tooDeepMarker}. */
  maxDepth: number;
  /** About how many characters of JSON the copy may serialise to (markers and brackets come on top). */
  maxChars: number;
}

/** What replaces an array or object nested deeper than `maxDepth`. */
export const tooDeepMarker: string = "[nested too deep]";
/** What ends a string, array or object cut short because the budget ran out. */
export const truncatedMarker: string = "[truncated]";
/** What replaces a value whose properties cannot be read (a throwing getter, a revoked proxy). */
export const unreadableMarker: string = "[unreadable]";

const defaultLimits: BoundedJsonLimits = { maxDepth: 32, maxChars: 4096 };

interface Walk {
  readonly maxDepth: number;
  left: number;
  truncated: boolean;
}

/** A JSON-safe copy of `value`, at most `maxDepth` levels deep and about `maxChars` characters long. */
export function boundedJsonValue(value: unknown, limits: BoundedJsonLimits = defaultLimits): unknown {
  const walk: Walk = { maxDepth: limits.maxDepth, left: limits.maxChars, truncated: false };
  try {
    return copy(value, 0, walk);
  } catch {
    return unreadableMarker;
  }
}

function copy(value: unknown, depth: number, walk: Walk): unknown {
  switch (typeof value) {
    case "string":
      return copyString(value, walk);
    case "number":
      walk.left -= Number.isFinite(value) ? String(value).length : 4;
      return Number.isFinite(value) ? value : null;
    case "boolean":
      walk.left -= value ? 4 : 5;
      return value;
    case "bigint":
      return copyString(String(value), walk);
    case "object":
      if (value === null) {
        walk.left -= 4;
        return null;
      }
      if (depth >= walk.maxDepth) return copyString(tooDeepMarker, walk);
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
        return copy((value as { toJSON: () => unknown }).toJSON(), depth + 1, walk);
      }
      return Array.isArray(value) ? copyArray(value, depth, walk) : copyObject(value, depth, walk);
    default:
      // undefined, functions and symbols: JSON.stringify leaves them out of objects (null in arrays).
      return undefined;
  }
}

function copyString(value: string, walk: Walk): string {
  // Only strings that may fit are serialised to learn their cost, so a string of many MiB costs no more.
  if (value.length + 2 <= walk.left) {
    const cost = JSON.stringify(value).length;
    if (cost <= walk.left) {
      walk.left -= cost;
      return value;
    }
  }
  walk.truncated = true;
  let kept = value.slice(0, Math.max(0, walk.left - 2));
  // Escapes (`\n`, `\u0000`) make the JSON longer than the text: halve until it fits.
  while (kept.length > 0 && JSON.stringify(kept).length > walk.left) kept = kept.slice(0, kept.length >> 1);
  walk.left = 0;
  return `${kept}…${truncatedMarker}`;
}

function copyArray(value: readonly unknown[], depth: number, walk: Walk): unknown[] {
  const out: unknown[] = [];
  walk.left -= 2;
  for (let index = 0; index < value.length; index++) {
    if (walk.left <= 0) return end(out, walk);
    walk.left -= 1;
    out.push(copy(value[index], depth + 1, walk) ?? null);
  }
  return out;
}

function copyObject(value: object, depth: number, walk: Walk): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  walk.left -= 2;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const keyCost = key.length + 4 <= walk.left ? JSON.stringify(key).length + 2 : Number.POSITIVE_INFINITY;
    if (keyCost > walk.left) {
      if (!walk.truncated) out["…"] = truncatedMarker;
      walk.truncated = true;
      walk.left = 0;
      return out;
    }
    walk.left -= keyCost;
    const item = copy((value as Record<string, unknown>)[key], depth + 1, walk);
    // defineProperty, not assignment: a "__proto__" key from JSON.parse stays a plain key.
    if (item !== undefined) {
      Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

/** Marks the first container cut short; its parents stop without a second marker. */
function end(out: unknown[], walk: Walk): unknown[] {
  if (!walk.truncated) out.push(truncatedMarker);
  walk.truncated = true;
  return out;
}
