import type { RegistryRateLimit } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRateLimit } from "./parse-rate-limit.js";

type Headers = Parameters<typeof parseRateLimit>[0];

describe("parseRateLimit", () => {
  it.each<[string, Headers, RegistryRateLimit | undefined]>([
    [
      "Docker Hub's three headers",
      {
        "ratelimit-limit": "100;w=21600",
        "ratelimit-remaining": "76;w=21600",
        "docker-ratelimit-source": "203.0.113.5",
      },
      { limit: 100, remaining: 76, windowSeconds: 21600, source: "203.0.113.5" },
    ],
    [
      "an account id as the source",
      { "ratelimit-limit": "200;w=21600", "docker-ratelimit-source": "d0f1c4a2-5e3b-4c6d-9e8f-7a6b5c4d3e2f" },
      { limit: 200, windowSeconds: 21600, source: "d0f1c4a2-5e3b-4c6d-9e8f-7a6b5c4d3e2f" },
    ],
    ["no window", { "ratelimit-limit": "100", "ratelimit-remaining": "0" }, { limit: 100, remaining: 0 }],
    [
      "the window only on remaining",
      { "ratelimit-limit": "100", "ratelimit-remaining": "3;w=60" },
      { limit: 100, remaining: 3, windowSeconds: 60 },
    ],
    [
      "the IETF draft's list of policies",
      { "ratelimit-limit": "100, 100;w=21600, 1000;w=86400", "ratelimit-remaining": "42" },
      { limit: 100, remaining: 42, windowSeconds: 21600 },
    ],
    [
      "spaces, a quoted window and a repeated header",
      { "ratelimit-limit": [' 100 ; w = "21600" ', "5;w=1"], "ratelimit-remaining": ["7", "1"] },
      { limit: 100, remaining: 7, windowSeconds: 21600 },
    ],
    [
      "an unreadable remaining count and source",
      { "ratelimit-limit": "100;w=21600", "ratelimit-remaining": "lots", "docker-ratelimit-source": "a\nb" },
      { limit: 100, windowSeconds: 21600 },
    ],
    ["no headers", {}, undefined],
    ["only remaining", { "ratelimit-remaining": "3;w=60" }, undefined],
    ["a negative limit", { "ratelimit-limit": "-1;w=60" }, undefined],
    ["a fractional limit", { "ratelimit-limit": "1.5" }, undefined],
    ["an absurd limit", { "ratelimit-limit": "99999999999" }, undefined],
    ["a zero window", { "ratelimit-limit": "100;w=0" }, { limit: 100 }],
    ["an empty value", { "ratelimit-limit": "" }, undefined],
  ])("reads %s", (_, headers, expected) => {
    expect(parseRateLimit(headers)).toStrictEqual(expected);
  });

  it("gives a rate limit of whole numbers and a printable source, or nothing, for any header values", () => {
    const value = fc.oneof(
      fc.string(),
      fc.array(fc.string()),
      fc.constant(undefined),
      fc.stringMatching(/^\d+;w=\d+$/),
    );
    fc.assert(
      fc.property(value, value, value, (limit, remaining, source) => {
        const parsed = parseRateLimit({
          "ratelimit-limit": limit,
          "ratelimit-remaining": remaining,
          "docker-ratelimit-source": source,
        });
        if (parsed === undefined) return;
        expect(Number.isSafeInteger(parsed.limit) && parsed.limit >= 0).toBe(true);
        if (parsed.remaining !== undefined) expect(Number.isSafeInteger(parsed.remaining)).toBe(true);
        if (parsed.source !== undefined) expect(parsed.source).toMatch(/^[\x20-\x7e]{1,100}$/);
      }),
    );
  });
});
