/**
 * `writeVerifiedFile` for small content without a flush (`durable: false`, at most `smallFileBytes`): the
 * content is gathered and verified before the file system is touched, then written with direct calls.
 * The same promises as the streaming path: verified or nothing, temp file renamed or removed.
 */
import { randomBytes } from "node:crypto";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AbortError, DigestMismatchError, LocalIoError, SizeMismatchError } from "@stevedore/core";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { digestOf, expectBytes, fromChunks, split } from "../test-support/byte-streams.js";
import { verifyContent } from "../verify/verify-content.js";
import { smallFileBytes } from "./write-small-file.js";
import { writeVerifiedFile } from "./write-verified-file.js";

const faults = vi.hoisted(() => ({
  /** Writes fail with this code (ENOSPC: the disk is full). */
  write: undefined as string | undefined,
  /** Creating a file fails with this code. */
  open: undefined as string | undefined,
}));

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const systemError = (code: string, syscall: string): Error =>
    Object.assign(new Error(`${code}: ${syscall}`), { code, syscall });
  return {
    ...actual,
    openSync(...args: Parameters<typeof actual.openSync>) {
      if (faults.open !== undefined) throw systemError(faults.open, "open");
      return actual.openSync(...args);
    },
    writeSync(...args: Parameters<typeof actual.writeSync>) {
      if (faults.write !== undefined) throw systemError(faults.write, "write");
      return actual.writeSync(...args);
    },
    writevSync(...args: Parameters<typeof actual.writevSync>) {
      if (faults.write !== undefined) throw systemError(faults.write, "write");
      return actual.writevSync(...args);
    },
  };
});

const bytes = new Uint8Array(randomBytes(64 * 1024 + 1234));
const expected = { digest: digestOf(bytes), size: bytes.length };
const directory = useTemporaryDirectory("stevedore-blob-small-", beforeEach, afterEach);
const small = { durable: false } as const;

afterEach(() => {
  faults.write = undefined;
  faults.open = undefined;
});

describe("writeVerifiedFile of small content without a flush", () => {
  it("writes verified content whatever the chunking, creating parent directories, leaving no temp file", async () => {
    const path = join(directory.path, "blobs", "sha256", "layer");
    await writeVerifiedFile(path, fromChunks(split(bytes, 1000)), expected, small);
    expectBytes(await readFile(path), bytes);
    await writeVerifiedFile(path, fromChunks([bytes]), expected, small);
    expectBytes(await readFile(path), bytes);
    expect(await readdir(join(directory.path, "blobs", "sha256"))).toEqual(["layer"]);
  });

  it("writes content of exactly the small limit and empty content", async () => {
    const limit = new Uint8Array(randomBytes(smallFileBytes));
    await writeVerifiedFile(
      join(directory.path, "limit"),
      fromChunks(split(limit, 16_384)),
      { digest: digestOf(limit), size: limit.length },
      small,
    );
    expectBytes(await readFile(join(directory.path, "limit")), limit);
    const empty = new Uint8Array(0);
    await writeVerifiedFile(
      join(directory.path, "empty"),
      fromChunks([]),
      { digest: digestOf(empty), size: 0 },
      small,
    );
    expect((await stat(join(directory.path, "empty"))).size).toBe(0);
  });

  it("creates nothing until the whole content has arrived and matched", async () => {
    const seen: string[][] = [];
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 30_000);
      seen.push(await readdir(directory.path));
      yield bytes.subarray(30_000);
    }
    const path = join(directory.path, "layer");
    await writeVerifiedFile(path, slow(), expected, small);
    expect(seen).toEqual([[]]);
    expectBytes(await readFile(path), bytes);
  });

  it("leaves an existing file untouched and no temp file when the digest is wrong or the content too long", async () => {
    const path = join(directory.path, "layer");
    await writeFile(path, "old");
    const corrupt = bytes.slice();
    corrupt[100] = (corrupt[100]! + 1) % 256;
    await expect(
      writeVerifiedFile(path, fromChunks(split(corrupt, 4096)), expected, small),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(
      writeVerifiedFile(path, fromChunks([bytes, new Uint8Array(1)]), expected, small),
    ).rejects.toBeInstanceOf(SizeMismatchError);
    expect(await readdir(directory.path)).toEqual(["layer"]);
    expect(await readFile(path, "utf8")).toBe("old");
  });

  it("counts a source verified upstream instead of hashing it, and still refuses a wrong size", async () => {
    const path = join(directory.path, "layer");
    await writeVerifiedFile(path, verifyContent(fromChunks(split(bytes, 8192)), expected), expected, small);
    expectBytes(await readFile(path), bytes);
    const short = { digest: expected.digest, size: expected.size + 1 };
    const failure = writeVerifiedFile(
      join(directory.path, "short"),
      verifyContent(fromChunks([bytes]), short),
      short,
      small,
    );
    await expect(failure).rejects.toBeInstanceOf(SizeMismatchError);
    expect(await readdir(directory.path)).toEqual(["layer"]);
  });

  it("stops at an abort while the source is waiting, and creates nothing", async () => {
    const controller = new AbortController();
    async function* stalled(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 10_000);
      controller.abort(new Error("user cancelled"));
      await new Promise(() => undefined);
    }
    const failure = writeVerifiedFile(join(directory.path, "layer"), stalled(), expected, {
      ...small,
      signal: controller.signal,
    });
    await expect(failure).rejects.toBeInstanceOf(AbortError);
    expect(await readdir(directory.path)).toEqual([]);
  });

  it("passes on the source's own error and creates nothing", async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 1000);
      throw new Error("socket hang up");
    }
    await expect(writeVerifiedFile(join(directory.path, "layer"), broken(), expected, small)).rejects.toThrow(
      "socket hang up",
    );
    expect(await readdir(directory.path)).toEqual([]);
  });

  it("a full disk is a LocalIoError naming the file and the reason, and leaves nothing", async () => {
    faults.write = "ENOSPC";
    const path = join(directory.path, "layer");
    const failure = writeVerifiedFile(path, fromChunks(split(bytes, 8192)), expected, small);
    await expect(failure).rejects.toBeInstanceOf(LocalIoError);
    await expect(failure).rejects.toThrow(`cannot write ${path}: no space left on device (ENOSPC)`);
    expect(await readdir(directory.path)).toEqual([]);
  });

  it("a file that cannot be created says why, and a parent that is a file is named", async () => {
    faults.open = "EACCES";
    const path = join(directory.path, "layer");
    await expect(writeVerifiedFile(path, fromChunks([bytes]), expected, small)).rejects.toThrow(
      `cannot create ${path}: permission denied (EACCES)`,
    );
    faults.open = undefined;
    await writeFile(join(directory.path, "file"), "not a directory");
    const below = join(directory.path, "file", "sub", "layer");
    await expect(writeVerifiedFile(below, fromChunks([bytes]), expected, small)).rejects.toThrow(
      `cannot create directory ${join(directory.path, "file")}: not a directory (ENOTDIR)`,
    );
    expect(await readdir(directory.path)).toEqual(["file"]);
  });

  it("applies the requested file mode", async () => {
    const path = join(directory.path, "layer");
    await writeVerifiedFile(path, fromChunks([bytes]), expected, { ...small, mode: 0o600 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});
