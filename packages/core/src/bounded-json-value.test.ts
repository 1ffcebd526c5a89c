import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { boundedJsonValue, tooDeepMarker, truncatedMarker, unreadableMarker } from "./bounded-json-value.js";

/** `[[[…]]]` nested `depth` levels, built without recursion. */
function nested(depth: number, inner: unknown = 1): unknown {
  let value = inner;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

/** How many arrays deep `value` goes, following first elements. */
function depthOf(value: unknown): number {
  let depth = 0;
  for (let item = value; Array.isArray(item); item = item[0]) depth++;
  return depth;
}

const cyclic: Record<string, unknown> = { name: "loop" };
cyclic.self = cyclic;
cyclic.again = cyclic;

describe("boundedJsonValue", () => {
  it.each([
    ["a string", "layer too large"],
    ["a number", 42],
    ["a boolean", false],
    ["null", null],
    ["an object", { tag: "v1", sizes: [1, 2, 3], nested: { ok: true } }],
    ["32 levels of arrays", nested(31)],
    ["a __proto__ key from JSON.parse", JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')],
  ])("keeps %s as it is", (_, value) => {
    expect(JSON.stringify(boundedJsonValue(value))).toBe(JSON.stringify(value));
  });

  it.each([
    ["Infinity", Number.POSITIVE_INFINITY, null],
    ["a bigint", 10n ** 20n, "100000000000000000000"],
    ["a Date", new Date(0), "1970-01-01T00:00:00.000Z"],
    ["undefined in an array", [1, undefined, () => 2], [1, null, null]],
    [
      "undefined, functions and symbols in an object",
      { a: undefined, b: () => 1, c: Symbol("s"), d: 1 },
      { d: 1 },
    ],
    [
      "a throwing getter",
      Object.defineProperty({}, "boom", {
        enumerable: true,
        get: () => {
          throw new Error("getter");
        },
      }),
      unreadableMarker,
    ],
    ["a toJSON that throws", { toJSON: () => JSON.parse("{") }, unreadableMarker],
  ])("turns %s into JSON", (_, value, expected) => {
    expect(boundedJsonValue(value)).toStrictEqual(expected);
  });

  it("replaces arrays and objects below 32 levels with a marker", () => {
    const copy = boundedJsonValue(nested(10_000));
    expect(depthOf(copy)).toBe(32);
    expect(JSON.stringify(copy)).toBe(`${"[".repeat(32)}"${tooDeepMarker}"${"]".repeat(32)}`);
    const objects = boundedJsonValue(JSON.parse(`${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`));
    expect(JSON.stringify(objects)).toBe(`${'{"a":'.repeat(32)}"${tooDeepMarker}"${"}".repeat(32)}`);
  });

  it("cuts a long string to the budget and says so", () => {
    const copy = boundedJsonValue("x".repeat(8 * 1024 * 1024));
    expect(copy).toBe(`${"x".repeat(4094)}…${truncatedMarker}`);
  });

  it("counts escapes when cutting a string", () => {
    const copy = boundedJsonValue("\u0000".repeat(10_000)) as string;
    expect(copy.endsWith(truncatedMarker)).toBe(true);
    expect(JSON.stringify(copy).length).toBeLessThanOrEqual(4096 + 20);
  });

  it("ends a long array or object with one marker", () => {
    const array = boundedJsonValue(Array.from({ length: 100_000 }, (_, index) => index)) as unknown[];
    expect(array.at(-1)).toBe(truncatedMarker);
    expect(array.filter((item) => item === truncatedMarker)).toHaveLength(1);
    expect(array.slice(0, 3)).toStrictEqual([0, 1, 2]);
    const object = boundedJsonValue(
      Object.fromEntries(Array.from({ length: 100_000 }, (_, index) => [`key${index}`, index])),
    ) as Record<string, unknown>;
    expect(object["…"]).toBe(truncatedMarker);
    expect(object.key0).toBe(0);
    expect(JSON.stringify(array).length).toBeLessThanOrEqual(4096 + 20);
    expect(JSON.stringify(object).length).toBeLessThanOrEqual(4096 + 20);
  });

  it("walks a cyclic object only as far as the limits allow", () => {
    const text = JSON.stringify(boundedJsonValue(cyclic));
    expect(text).toContain(tooDeepMarker);
    expect(text.length).toBeLessThanOrEqual(4096 + 100);
    expect(JSON.stringify(boundedJsonValue(cyclic, { maxDepth: 2, maxChars: 4096 }))).toBe(
      `{"name":"loop","self":{"name":"loop","self":"${tooDeepMarker}","again":"${tooDeepMarker}"},"again":{"name":"loop","self":"${tooDeepMarker}","again":"${tooDeepMarker}"}}`,
    );
  });

  it("keeps any small JSON value exactly", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        fc.pre(JSON.stringify(value).length <= 3000);
        expect(JSON.stringify(boundedJsonValue(value))).toBe(JSON.stringify(value));
      }),
    );
  });
});
