import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidReferenceError } from "./errors.js";
import { parseReference } from "./parse-reference.js";
import { hasReferenceCredentials, redactReferenceCredentials } from "./reference-credentials.js";

const digest = `sha256:${"a".repeat(64)}`;

describe("credentials typed into a reference", () => {
  it.each([
    ["alice:S3cret@host/a:t", "REDACTED@host/a:t"],
    ["alice:S3cret@127.0.0.1:5000/a:t", "REDACTED@127.0.0.1:5000/a:t"],
    ["alice:S3cret@127.0.0.1:5000", "REDACTED@127.0.0.1:5000"],
    ["alice:S3cret@registry.example.com", "REDACTED@registry.example.com"],
    ["alice@host/a", "REDACTED@host/a"],
    ["docker://alice:S3cret@host/a", "docker://REDACTED@host/a"],
    ["https://alice:S3cret@host/a:t", "https://REDACTED@host/a:t"],
    ["alice:S3c/ret@host/a", "REDACTED@host/a"],
    [`alice:S3cret@host/a@${digest}`, `REDACTED@host/a@${digest}`],
    // A password holding `@` (typed unencoded): the user info ends at the host's `@`, the last one.
    ["alice:p@ss@host/a:t", "REDACTED@host/a:t"],
    ["alice:p@ss@127.0.0.1:5000", "REDACTED@127.0.0.1:5000"],
    [`alice:p@s/s@host/a@${digest}`, `REDACTED@host/a@${digest}`],
  ])("finds and redacts %s", (input, redacted) => {
    expect(hasReferenceCredentials(input)).toBe(true);
    expect(redactReferenceCredentials(input)).toBe(redacted);
  });

  it.each([
    "ubuntu",
    "host/a:t",
    `ubuntu@${digest}`,
    `localhost:5000/team/app@${digest}`,
    `localhost:5000/team/app:v1@${digest}`,
    "localhost:5000/app@sha256:abc",
    "app@sha256:abc",
    "docker://host/a",
  ])("leaves %s alone", (input) => {
    expect(hasReferenceCredentials(input)).toBe(false);
    expect(redactReferenceCredentials(input)).toBe(input);
  });

  it("parseReference refuses them with a message that names neither the password nor the user", () => {
    for (const input of ["alice:S3cret@host/a:t", "alice:S3cret@127.0.0.1:5000/a:t", "alice:S3cret@host"]) {
      const error = (() => {
        try {
          parseReference(input);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(InvalidReferenceError.isInstance(error)).toBe(true);
      const { message, input: named } = error as InvalidReferenceError;
      expect(message).toContain("credentials in references are not supported");
      expect(`${message} ${named} ${JSON.stringify(error)}`).not.toMatch(/S3cret|alice/);
    }
  });

  it("never lets a password through parseReference's message (property)", () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9._\-+=]{6,20}$/).map((text) => `Pw${text}`);
    fc.assert(
      fc.property(
        secret,
        fc.constantFrom("host", "127.0.0.1:5000", "reg.example.com"),
        fc.constantFrom("", "/a", "/a:t", "/a/b:c"),
        (password, host, path) => {
          const input = `alice:${password}@${host}${path}`;
          try {
            parseReference(input);
          } catch (error) {
            return !(error as Error).message.includes(password);
          }
          return false;
        },
      ),
    );
  });
});
