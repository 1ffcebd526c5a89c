import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRange } from "./blob-routes.js";
import { createRegistryServer, type RegistryServer } from "./create-registry-server.js";

describe("parseRange", () => {
  it.each<[string | undefined, ReturnType<typeof parseRange>]>([
    [undefined, undefined],
    ["bytes=0-9", [0, 9]],
    ["bytes=5-", [5, 99]],
    ["bytes=-10", [90, 99]],
    ["bytes=-1000", [0, 99]],
    ["bytes=90-1000", [90, 99]],
    ["bytes=100-", "unsatisfiable"],
    ["bytes=9-3", "unsatisfiable"],
    ["bytes=-0", "unsatisfiable"],
    ["bytes=0-1,5-6", undefined],
    ["items=0-1", undefined],
    ["bytes=-", undefined],
  ])("%s of 100 bytes gives %j", (value, expected) => {
    expect(parseRange(value, 100)).toEqual(expected);
  });

  it("gives a range inside the blob, unsatisfiable or nothing for any header", () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(1_000_000), (value, size) => {
        const range = parseRange(value, size);
        if (Array.isArray(range)) {
          expect(range[0]).toBeGreaterThanOrEqual(0);
          expect(range[1]).toBeLessThan(size);
          expect(range[0]).toBeLessThanOrEqual(range[1]);
        } else expect([undefined, "unsatisfiable"]).toContain(range);
      }),
    );
  });
});

describe("any request", () => {
  let server: RegistryServer;
  let url: string;
  beforeAll(async () => {
    server = createRegistryServer();
    url = (await server.listen()).url;
  });
  afterAll(() => server.close());

  it("gets a 2xx, 3xx or 4xx answer, never a 5xx or a dropped connection", async () => {
    const segment = fc.constantFrom(
      "v2",
      "a",
      "blobs",
      "uploads",
      "manifests",
      "tags",
      "list",
      "referrers",
      "_catalog",
      "sha256:00",
      "%ff",
      "..",
      "",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"),
        fc.array(segment, { maxLength: 6 }),
        fc.string({ maxLength: 20 }),
        async (method, segments, query) => {
          const target = `${url}/${segments.join("/")}?${encodeURIComponent(query)}`;
          const response = await fetch(target, {
            method,
            ...(method === "GET" || method === "HEAD" ? {} : { body: "x" }),
          });
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });
});
