/**
 * Local file system failures reach the user as exit 7 with the path and the reason in words, never as
 * "corrupt content" (exit 6), and leave no temp file. A file in the way is real; a full disk is injected at
 * `node:fs/promises` and `node:fs` (a test cannot fill a disk without root and a mount).
 */
import { readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { useTestLayout } from "@stevedore/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./test-support/fake-io.js";

const faults = vi.hoisted(() => ({
  /** Files under this path cannot be written: a full disk. */
  fullUnder: undefined as string | undefined,
  /** Directories under this path cannot be made: a read-only mount. */
  readOnlyUnder: undefined as string | undefined,
}));

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...actual,
    async mkdir(path: string, options?: { recursive?: boolean }) {
      const root = faults.readOnlyUnder;
      if (root !== undefined && path.startsWith(`${root}/`)) {
        const found = async (where: string) =>
          actual.stat(where).then(
            () => true,
            () => false,
          );
        // As Linux answers on a read-only mount: a missing parent is ENOENT, then EROFS for a new entry.
        // Node's recursive mkdir says ENOENT.
        const code =
          options?.recursive || !(await found(dirname(path)))
            ? "ENOENT"
            : (await found(path))
              ? "EEXIST"
              : "EROFS";
        throw Object.assign(new Error(`${code}: mkdir '${path}'`), { code });
      }
      return actual.mkdir(path, options);
    },
    async open(...args: Parameters<typeof actual.open>) {
      const handle = await actual.open(...args);
      const root = faults.fullUnder;
      if (root === undefined || !String(args[0]).startsWith(`${root}/`)) return handle;
      // A full disk: the file can be created, its bytes cannot be written.
      return new Proxy(handle, {
        get(target, key) {
          if (key === "write" || key === "writev" || key === "writeFile") {
            return async () => {
              throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: "ENOSPC" });
            };
          }
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
  };
});

// Small files are written with direct calls (node:fs): the same full disk there, for descriptors of files
// opened under `fullUnder`.
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const full = new Set<number>();
  const noSpace = (): never => {
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  };
  return {
    ...actual,
    openSync(...args: Parameters<typeof actual.openSync>) {
      const descriptor = actual.openSync(...args);
      const root = faults.fullUnder;
      if (root !== undefined && String(args[0]).startsWith(`${root}/`)) full.add(descriptor);
      return descriptor;
    },
    closeSync(descriptor: number) {
      full.delete(descriptor);
      actual.closeSync(descriptor);
    },
    writeSync(...args: Parameters<typeof actual.writeSync>) {
      if (full.has(args[0])) noSpace();
      return (actual.writeSync as (...all: unknown[]) => number)(...args);
    },
    writevSync(...args: Parameters<typeof actual.writevSync>) {
      if (full.has(args[0])) noSpace();
      return actual.writevSync(...args);
    },
  };
});

const local = useTestLayout("stevedore-cli-local-io-", { label: "local-io" }, beforeAll, afterAll);

afterEach(() => {
  faults.fullUnder = undefined;
  faults.readOnlyUnder = undefined;
});

/** Every file and directory under `path`, relative to it. */
async function tree(path: string): Promise<string[]> {
  return (await readdir(path, { recursive: true })).sort();
}

describe("local file system failures", () => {
  it("a destination layout that is a file exits 7 naming it, and leaves it alone", async () => {
    const file = join(local.workspace, "a-file");
    await writeFile(file, "mine");
    const run = await runCli(["copy", `oci:${local.layout}:v1`, `oci:${file}`]);
    expect(run.code).toBe(ExitCode.localIo);
    expect(run.stderrLines).toEqual([
      `stevedore: copy oci:${local.layout}:v1 oci:${file}: cannot create directory ${file}: not a directory (ENOTDIR) (check the path, its permissions and the free space on its file system)`,
    ]);
    expect(await tree(local.workspace)).toEqual(expect.arrayContaining(["a-file"]));
  });

  it("a destination whose parent is a file exits 7 naming the parent", async () => {
    const file = join(local.workspace, "parent-file");
    await writeFile(file, "mine");
    const run = await runCli(["copy", `oci:${local.layout}:v1`, `oci:${join(file, "sub", "layout")}`]);
    expect(run.code).toBe(ExitCode.localIo);
    expect(run.stderrLines).toHaveLength(1);
    expect(run.stderrLines[0]).toContain(`cannot create directory ${file}: not a directory (ENOTDIR)`);
  });

  it("a docker archive whose parent is a file exits 7", async () => {
    const file = join(local.workspace, "archive-parent");
    await writeFile(file, "mine");
    const target = join(file, "image.tar");
    const run = await runCli(["copy", `oci:${local.layout}:v1`, `docker-archive:${target}`]);
    expect(run.code).toBe(ExitCode.localIo);
    expect(run.stderrLines).toHaveLength(1);
    expect(run.stderrLines[0]).toMatch(/: cannot write \S+: not a directory \(ENOTDIR\) \(check the path/);
  });

  it("serve --dir on a read-only mount exits 7 naming EROFS, not ENOENT", async () => {
    faults.readOnlyUnder = local.workspace;
    const directory = join(local.workspace, "registry");
    const run = await runCli(["serve", "--port=0", "--dir", directory]);
    expect(run.code).toBe(ExitCode.localIo);
    expect(run.stderrLines).toEqual([
      `stevedore: serve: cannot create directory ${directory}: read-only file system (EROFS) (check the path, its permissions and the free space on its file system)`,
    ]);
  });

  it("a pull into a read-only mount exits 7 naming EROFS", async () => {
    faults.readOnlyUnder = local.workspace;
    const destination = join(local.workspace, "read-only-layout");
    const run = await runCli(["copy", `oci:${local.layout}:v1`, `oci:${destination}`]);
    expect(run.code).toBe(ExitCode.localIo);
    expect(run.stderrLines.at(-1)).toContain(
      `cannot create directory ${destination}: read-only file system (EROFS)`,
    );
  });

  it("a full disk exits 7 with 'no space left on device' and leaves no temp file", async () => {
    const destination = join(local.workspace, "full");
    faults.fullUnder = destination;
    const run = await runCli(["copy", `oci:${local.layout}:v1`, `oci:${destination}`]);
    expect(run.code).toBe(ExitCode.localIo);
    expect(run.stderrLines.at(-1)).toMatch(
      new RegExp(
        `: cannot write ${destination}/\\S+: no space left on device \\(ENOSPC\\) \\(check the path`,
      ),
    );
    expect((await tree(destination)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });
});
