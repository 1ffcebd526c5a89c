import { describe, expect, it } from "vitest";
import { redactText } from "./redact-text.js";

describe("redactText", () => {
  it.each([
    ["connect ECONNREFUSED 127.0.0.1:5000", "connect ECONNREFUSED 127.0.0.1:5000"],
    [
      "failed https://user:pw@cdn.example/b?X-Amz-Signature=abc&part=1 now",
      "failed https://REDACTED@cdn.example/b?X-Amz-Signature=REDACTED&part=1 now",
    ],
    [
      "Mock dispatch not matched for path '/blob?token=abc&n=1'",
      "Mock dispatch not matched for path '/blob?token=REDACTED&n=1'",
    ],
    ["header was Bearer eyJhbGciOi.x.y", "header was Bearer REDACTED"],
    ["authorization: Basic dXNlcjpwYXNz", "authorization: Basic REDACTED"],
  ])("%s", (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });
});
