import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { readPassword, readPasswordFile, readPasswordLines } from "./read-password.js";

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

describe("readPasswordLines", () => {
  it.each([
    ["one\ntwo\n", ["one", "two"]],
    ["one\r\ntwo", ["one", "two"]],
    [" a b \nc:d\r\n", [" a b ", "c:d"]],
  ])("%j → %j", async (input, passwords) => {
    await expect(readPasswordLines(chunks(input), 2)).resolves.toEqual(passwords);
  });

  it.each([["p4ss\n"], ["p4ss\n\nw0rd\n"], ["p4ss\nw0rd\nthr33\n"], [""]])(
    "%j is not two passwords",
    async (input) => {
      const error = await readPasswordLines(chunks(input), 2).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/^standard input must hold 2 passwords, one per line/);
      expect((error as Error).message).not.toMatch(/p4ss|w0rd|thr33/);
    },
  );
});

describe("readPasswordFile", () => {
  it("reads the file without its trailing newline; a missing or empty file is a usage error", async () => {
    const directory = await mkdtemp(join(tmpdir(), "stevedore-password-"));
    try {
      await writeFile(join(directory, "p"), "s3cret\n");
      await writeFile(join(directory, "empty"), "\n");
      await expect(readPasswordFile(join(directory, "p"), "--src-password-file")).resolves.toBe("s3cret");
      await expect(readPasswordFile(join(directory, "empty"), "--src-password-file")).rejects.toThrow(
        /--src-password-file .* holds an empty password/,
      );
      await expect(readPasswordFile(join(directory, "none"), "--dest-password-file")).rejects.toThrow(
        /--dest-password-file .* cannot be read: ENOENT/,
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
