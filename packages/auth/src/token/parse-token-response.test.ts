import { InvalidResponseError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TokenResponse } from "./parse-token-response.js";
import { parseTokenResponse } from "./parse-token-response.js";

const options = { realmHost: "auth.example.com" };

describe("parseTokenResponse", () => {
  it.each<[string, string, TokenResponse]>([
    ["token only, default lifetime", '{"token":"abc"}', { token: "abc", expiresIn: 60 }],
    [
      "access_token preferred",
      '{"token":"t","access_token":"a","expires_in":300}',
      { token: "a", expiresIn: 300 },
    ],
    ["short lifetimes raised to 60 s", '{"token":"abc","expires_in":5}', { token: "abc", expiresIn: 60 }],
    [
      "issued_at and refresh_token",
      '{"access_token":"a","expires_in":120,"issued_at":"2024-01-02T03:04:05Z","refresh_token":"r"}',
      { token: "a", expiresIn: 120, issuedAt: Date.UTC(2024, 0, 2, 3, 4, 5), refreshToken: "r" },
    ],
    [
      "unparseable issued_at ignored",
      '{"token":"abc","issued_at":"yesterday"}',
      { token: "abc", expiresIn: 60 },
    ],
    [
      "null fields are absent",
      '{"token":"abc","expires_in":null,"refresh_token":null}',
      { token: "abc", expiresIn: 60 },
    ],
  ])("%s", (_name, body, expected) => {
    expect(parseTokenResponse(body, options)).toEqual(expected);
  });

  it.each([
    ["<html><body>login</body></html>", "not JSON (content type text/html)"],
    ["", "not JSON"],
    ["[]", "not an object"],
    ["null", "not an object"],
    ["{}", "no token"],
    ['{"token":""}', "no token"],
    ['{"token":5}', "token that is not a string"],
    ['{"access_token":["a"]}', "access_token that is not a string"],
    ['{"token":"has space"}', "cannot go in an HTTP header"],
    ['{"token":"abc","expires_in":"300"}', "expires_in that is not a number"],
    ['{"token":"abc","issued_at":5}', "issued_at that is not a string"],
    ['{"token":"abc","refresh_token":{}}', "refresh_token that is not a string"],
  ])("rejects %j naming the realm host", (body, reason) => {
    const call = (): unknown =>
      parseTokenResponse(body, {
        ...options,
        contentType: body.startsWith("<") ? "text/html; charset=utf-8" : "application/json",
      });
    expect(call).toThrow(InvalidResponseError);
    expect(call).toThrow(/^token service at auth\.example\.com sent /);
    expect(call).toThrow(reason);
  });

  it("gives a token or InvalidResponseError for any body", () => {
    const body = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({ token: fc.jsonValue(), expires_in: fc.jsonValue(), issued_at: fc.jsonValue() })
        .map((value) => JSON.stringify(value)),
    );
    fc.assert(
      fc.property(body, (text) => {
        try {
          const response = parseTokenResponse(text, options);
          expect(response.token).toMatch(/^[\x21-\x7e]+$/);
          expect(response.expiresIn).toBeGreaterThanOrEqual(60);
        } catch (error) {
          expect(InvalidResponseError.isInstance(error)).toBe(true);
        }
      }),
    );
  });
});
