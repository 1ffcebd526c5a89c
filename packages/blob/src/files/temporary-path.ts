import { createHash, randomBytes } from "node:crypto";
import { readdir, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { errorCode } from "@stevedore/core";

/**
 * The writer's mark in a temp file's name: a short hash of the host name and the process id. A sweep
 * tells from it whether the writer may still be alive (see {@link sweepTemporaryFiles}).
 */
let writerMark: string | undefined;
const markOf = (): string => {
  writerMark ??= `${createHash("sha256").update(hostname()).digest("hex").slice(0, 8)}-${process.pid}`;
  return writerMark;
};

const marked = /^\..*\.([0-9a-f]{8})-(\d{1,10})-[0-9a-f]{12}\.tmp$/;

/**
 * A temp path beside `path` for a write-then-rename: `.<name>.<host hash>-<pid>-<random>.tmp`. The host
 * and process in the name let a later {@link sweepTemporaryFiles} remove it once its writer is gone.
 *
 * @example
 * ```ts
 * const temporary = temporaryPath(join(layout, "index.json")); // .index.json.1a2b3c4d-4242-….tmp
 * ```
 */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${markOf()}-${nextSuffix()}.tmp`);
}

/**
 * The last part of a temp name: 12 hex digits, a random start per process counted up by one per name. The
 * host and pid before it already set processes apart; a draw from the system's random source for every
 * name cost more than the rest of the name in a pull of many small blobs
 * (docs/decisions/0020-small-blob-writes.md).
 */
let suffix: number | undefined;
const suffixRange = 2 ** 48;
function nextSuffix(): string {
  suffix = ((suffix ?? randomBytes(6).readUIntBE(0, 6)) + 1) % suffixRange;
  return suffix.toString(16).padStart(12, "0");
}

/** Options of {@link sweepTemporaryFiles}. */
export interface SweepTemporaryFilesOptions {
  /** A temp file unmodified for this many milliseconds is removed whoever wrote it. Default one day. */
  staleAfter?: number;
  /** The clock, in milliseconds (default `Date.now`). */
  now?: () => number;
  /** Whether a process of this host is alive (default `process.kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean;
}

const defaultStaleAfter = 24 * 60 * 60 * 1000;

/**
 * Removes the leftovers of writers that died (`kill -9`, a power cut) from `directory` (not below it):
 * temp files (`.<name>….tmp`) named by {@link temporaryPath} for a process of this host that is no longer
 * alive, and any temp file, whoever wrote it, unmodified for `staleAfter` (writers on other hosts of a
 * network file system, process ids reused, names of older versions). A live writer's file is kept: two
 * writers may share a directory. Resolves the number of files removed; a missing directory is none.
 *
 * @example
 * ```ts
 * await sweepTemporaryFiles(join(layout, "blobs", "sha256"));
 * ```
 */
export async function sweepTemporaryFiles(
  directory: string,
  options: SweepTemporaryFilesOptions = {},
): Promise<number> {
  const now = options.now ?? Date.now;
  const isAlive = options.isAlive ?? processIsAlive;
  const staleAfter = options.staleAfter ?? defaultStaleAfter;
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return 0;
  }
  const [host, pid] = markOf().split("-") as [string, string];
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(".") || !name.endsWith(".tmp")) continue;
    const path = join(directory, name);
    const mark = marked.exec(name);
    let stale = mark !== null && mark[1] === host && mark[2] !== pid && !isAlive(Number(mark[2]));
    if (!stale) {
      const info = await stat(path).catch(() => undefined);
      stale = info?.isFile() === true && now() - info.mtimeMs >= staleAfter;
    }
    if (
      stale &&
      (await rm(path, { force: true }).then(
        () => true,
        () => false,
      ))
    )
      removed++;
  }
  return removed;
}

/** Whether process `pid` of this host is alive (it may be another user's: EPERM counts as alive). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}
