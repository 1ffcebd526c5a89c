/**
 * File system failures of `writeVerifiedFile` that a test cannot cause for real without root and a mount
 * (a full disk, a read-only file system, permission denied as root): injected at the module's seam,
 * `node:fs/promises`, with the codes and the behaviour Linux and Node show for them.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LocalIoError } from "@stevedore/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { digestOf, fromChunks, split } from "../test-support/byte-streams.js";
import { failureOf } from "../test-support/failure-of.js";
import { writeVerifiedFile } from "./write-verified-file.js";

const faults = vi.hoisted(() => ({
  /** Writes to an open file fail with this code (ENOSPC: the disk filled up mid-file). */
  write: undefined as string | undefined,
  /** Opening a new file fails with this code. */
  open: undefined as string | undefined,
  /** Directories under this path cannot be created: a read-only mount. */
  readOnlyUnder: undefined as string | undefined,
}));

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  const systemError = (code: string, syscall: string, path: string): Error =>
    Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
  return {
    ...actual,
    async open(...args: Parameters<typeof actual.open>) {
      if (faults.open !== undefined) throw systemError(faults.open, "open", String(args[0]));
      const handle = await actual.open(...args);
      const code = faults.write;
      if (code === undefined) return handle;
      return new Proxy(handle, {
        get(target, key) {
          if (key === "write" || key === "writev") {
            return async () => {
              throw systemError(code, "write", String(args[0]));
            };
          }
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
    async mkdir(path: string, options?: { recursive?: boolean }) {
      const root = faults.readOnlyUnder;
      if (root !== undefined && path.startsWith(`${root}/`)) {
        const found = async (where: string) =>
          actual.stat(where).then(
            () => true,
            () => false,
          );
        // As Linux answers: a missing parent is ENOENT, then EROFS for a new entry. Node's recursive mkdir
        // reports a read-only file system as ENOENT.
        if (options?.recursive || !(await found(dirname(path)))) throw systemError("ENOENT", "mkdir", path);
        throw systemError((await found(path)) ? "EEXIST" : "EROFS", "mkdir", path);
      }
      return actual.mkdir(path, options);
    },
  };
});

const bytes = new Uint8Array(randomBytes(300_000));
const expected = { digest: digestOf(bytes), size: bytes.length };
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "stevedore-blob-io-"));
});

afterEach(async () => {
  faults.write = undefined;
  faults.open = undefined;
  faults.readOnlyUnder = undefined;
  await rm(directory, { recursive: true, force: true });
});

describe("writeVerifiedFile on a failing file system", () => {
  it("a full disk is a LocalIoError naming the file and 'no space left on device', and leaves nothing", async () => {
    faults.write = "ENOSPC";
    const path = join(directory, "layer");
    const error = await failureOf(writeVerifiedFile(path, fromChunks(split(bytes, 65_536)), expected));
    expect(LocalIoError.isInstance(error)).toBe(true);
    expect(error.code).toBe("STEVEDORE_LOCAL_IO");
    expect(error.message).toBe(`cannot write ${path}: no space left on device (ENOSPC)`);
    expect(error).toMatchObject({ operation: "write", path, systemCode: "ENOSPC" });
    expect(await readdir(directory)).toEqual([]);
  });

  it.each([
    ["EACCES", "permission denied (EACCES)"],
    ["EPERM", "operation not permitted (EPERM)"],
    ["EROFS", "read-only file system (EROFS)"],
  ])("a file that cannot be created (%s) says why", async (code, words) => {
    faults.open = code;
    const path = join(directory, "layer");
    const error = await failureOf(writeVerifiedFile(path, fromChunks([bytes]), expected));
    expect(LocalIoError.isInstance(error)).toBe(true);
    expect(error.message).toBe(`cannot create ${path}: ${words}`);
    expect(await readdir(directory)).toEqual([]);
  });

  it("a directory on a read-only mount is 'read-only file system', not ENOENT", async () => {
    faults.readOnlyUnder = directory;
    const path = join(directory, "blobs", "sha256", "layer");
    const error = await failureOf(writeVerifiedFile(path, fromChunks([bytes]), expected));
    expect(LocalIoError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `cannot create directory ${join(directory, "blobs")}: read-only file system (EROFS)`,
    );
    expect(await readdir(directory)).toEqual([]);
  });
});
