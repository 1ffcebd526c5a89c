import { InvalidDigestError, InvalidHeaderError, StevedoreError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveUploadUrl } from "./resolve-upload-url.js";

const digest = `sha256:${"d".repeat(64)}`;
const encodedDigest = `sha256%3A${"d".repeat(64)}`;
const post = new URL("https://registry.example:5000/v2/team/app/blobs/uploads/");

describe("resolveUploadUrl (spec/PROTOCOL.md §1, §4.1)", () => {
  it.each([
    // distribution's relative Location with its _state, kept byte for byte.
    [
      "/v2/team/app/blobs/uploads/0b1c?_state=a%2Fb%3D~c*",
      "https://registry.example:5000/v2/team/app/blobs/uploads/0b1c?_state=a%2Fb%3D~c*",
    ],
    // Relative to the request path, not to the root.
    ["0b1c", "https://registry.example:5000/v2/team/app/blobs/uploads/0b1c"],
    // Absolute, on another host (a storage front end).
    ["https://uploads.example/session/9?sig=x", "https://uploads.example/session/9?sig=x"],
    // Scheme-relative.
    ["//uploads.example/s/9", "https://uploads.example/s/9"],
    // Surrounding spaces of a header value are not part of it; the fragment is never sent.
    [
      "  /v2/team/app/blobs/uploads/0b1c#frag\t",
      "https://registry.example:5000/v2/team/app/blobs/uploads/0b1c",
    ],
  ])("resolves %j to %s", (location, expected) => {
    expect(resolveUploadUrl(location, post).href).toBe(expected);
  });

  it.each([
    ["/v2/a/blobs/uploads/1", `/v2/a/blobs/uploads/1?digest=${encodedDigest}`],
    ["/v2/a/blobs/uploads/1?_state=x%2By", `/v2/a/blobs/uploads/1?_state=x%2By&digest=${encodedDigest}`],
    ["/v2/a/blobs/uploads/1?", `/v2/a/blobs/uploads/1?digest=${encodedDigest}`],
    ["/v2/a/blobs/uploads/1?digest=old&_state=s", `/v2/a/blobs/uploads/1?digest=${encodedDigest}&_state=s`],
  ])("adds digest= to %j keeping the registry's parameters", (location, expected) => {
    const url = resolveUploadUrl(location, post, { digest });
    expect(url.pathname + url.search).toBe(expected);
    expect(url.searchParams.getAll("digest")).toEqual([digest]);
  });

  it("encodes a '+' in a digest's algorithm", () => {
    const odd = "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564";
    const url = resolveUploadUrl("/u/1?_state=s", post, { digest: odd });
    expect(url.search).toBe("?_state=s&digest=sha256%2Bb64u%3ALCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564");
    expect(url.searchParams.get("digest")).toBe(odd);
  });

  it("does not change the request URL", () => {
    const request = new URL(post);
    resolveUploadUrl("1?_state=s", request, { digest });
    expect(request.href).toBe(post.href);
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["/v2/a/blobs/uploads/1 x", "whitespace or control characters"],
    ["/v2/a/\nSet-Cookie: x", "whitespace or control characters"],
    ["/v2/a/\u0000", "whitespace or control characters"],
    ["javascript:alert(1)", "not an http(s) URL"],
    ["file:///etc/passwd", "not an http(s) URL"],
    ["http://[::1", "not a URL"],
    ["https://user:secret@uploads.example/s", "carries user info"],
  ])("refuses the Location %j", (location, reason) => {
    expect(() => resolveUploadUrl(location, post)).toThrow(InvalidHeaderError);
    expect(() => resolveUploadUrl(location, post)).toThrow(reason);
  });

  it("never repeats a password from the Location in its error", () => {
    try {
      resolveUploadUrl("https://user:secret@uploads.example/s?token=t0ps3cret", post);
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toMatch(/secret|t0ps3cret/);
    }
  });

  it("refuses a malformed digest", () => {
    expect(() => resolveUploadUrl("/u/1", post, { digest: "sha256:nope" })).toThrow(InvalidDigestError);
  });

  it("gives an http(s) URL or InvalidHeaderError for any Location", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.webUrl(), fc.webPath()), (location) => {
        try {
          const url = resolveUploadUrl(location, post, { digest });
          expect(["https:", "http:"]).toContain(url.protocol);
          expect(url.searchParams.get("digest")).toBe(digest);
        } catch (error) {
          expect(StevedoreError.isInstance(error) && error.code).toBe("STEVEDORE_INVALID_HEADER");
        }
      }),
      { numRuns: 1000 },
    );
  });
});
