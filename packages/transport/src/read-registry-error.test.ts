import { Readable } from "node:stream";
import { RegistryResponseError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseErrorBody, readRegistryError, requestIdOf } from "./read-registry-error.js";

describe("parseErrorBody", () => {
  it.each([
    [
      '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:abc"}]}',
      [{ code: "BLOB_UNKNOWN", message: "blob unknown to registry", detail: "sha256:abc" }],
    ],
    [
      '{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","detail":{"digest":"sha256:1"}},{"code":"MANIFEST_BLOB_UNKNOWN","detail":{"digest":"sha256:2"}}]}',
      [
        { code: "MANIFEST_BLOB_UNKNOWN", detail: { digest: "sha256:1" } },
        { code: "MANIFEST_BLOB_UNKNOWN", detail: { digest: "sha256:2" } },
      ],
    ],
    [
      '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied","detail":[{"Type":"repository"}]}]}',
      [
        {
          code: "DENIED",
          message: "requested access to the resource is denied",
          detail: [{ Type: "repository" }],
        },
      ],
    ],
    [
      '  {"errors":[{"code":"UNKNOWN_FUTURE_CODE","detail":null}]}',
      [{ code: "UNKNOWN_FUTURE_CODE", detail: null }],
    ],
    ['{"errors":[{"message":"no code"},{"code":42},"text",null,{"code":"OK_ONE"}]}', [{ code: "OK_ONE" }]],
    ["<html><body>502 Bad Gateway</body></html>", []],
    ["", []],
    ['{"errors":"not an array"}', []],
    ['{"message":"other shape"}', []],
    ['{"errors":[{"code":"TRUNCATED"', []],
    ["null", []],
  ] as const)("reads %s", (text, expected) => {
    expect(parseErrorBody(text)).toEqual(expected);
  });

  it("gives an array of coded entries for any string", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        for (const entry of parseErrorBody(text)) expect(typeof entry.code).toBe("string");
      }),
    );
  });
});

describe("requestIdOf", () => {
  it.each([
    [{ "docker-request-id": "abc", "x-request-id": "def" }, "abc"],
    [{ "x-amz-request-id": "TX1" }, "TX1"],
    [{ "x-request-id": ["first", "second"] }, "first"],
    [{ "x-request-id": "bad\u0001value" }, undefined],
    [{ "x-request-id": "x".repeat(500) }, undefined],
    [{}, undefined],
  ])("%j → %s", (headers, expected) => {
    expect(requestIdOf(headers)).toBe(expected);
  });
});

describe("readRegistryError", () => {
  it("redacts the URL and reads Retry-After in whole seconds", async () => {
    const error = await readRegistryError(
      {
        method: "GET",
        url: "https://cdn.example/blob?X-Amz-Signature=secret",
        status: 503,
        headers: { "retry-after": "Wed, 21 Oct 2015 07:28:01 GMT" },
        body: Readable.from([Buffer.from("busy")]),
      },
      1024,
      Date.parse("Wed, 21 Oct 2015 07:28:00 GMT") + 500,
    );
    expect(RegistryResponseError.isInstance(error)).toBe(true);
    expect(error.url).toBe("https://cdn.example/blob?X-Amz-Signature=REDACTED");
    expect(error.retryAfter).toBe(1);
  });
});
