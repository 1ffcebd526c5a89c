import { UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { readPassword } from "./read-password.js";

async function* chunks(...parts: (string | Uint8Array)[]): AsyncIterable<string | Uint8Array> {
  yield* parts;
}

describe("readPassword", () => {
  it.each([
    ["secret\n", "secret"],
    ["secret\r\n", "secret"],
    ["secret", "secret"],
    ["secret\n\n", "secret\n"],
    [" spaced pass \n", " spaced pass "],
    ["pässwörd\n", "pässwörd"],
  ])("%j → %j (one trailing newline removed)", async (input, password) => {
    await expect(readPassword(chunks(input))).resolves.toBe(password);
  });

  it("joins chunks, bytes and strings, also a UTF-8 character split between chunks", async () => {
    const bytes = Buffer.from("pä");
    await expect(readPassword(chunks(bytes.subarray(0, 2), bytes.subarray(2), "ss\n"))).resolves.toBe("päss");
  });

  it.each([[""], ["\n"], ["\r\n"]])("%j is an empty password", async (input) => {
    await expect(readPassword(chunks(input))).rejects.toThrow(UsageError);
  });

  it("refuses more than 64 KiB", async () => {
    await expect(readPassword(chunks("x".repeat(70_000)))).rejects.toThrow(/more than 65536 bytes/);
  });
});
