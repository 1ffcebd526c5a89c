import { randomBytes } from "node:crypto";
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { processIsAlive } from "@stevedore/blob";
import { AbortError, errorCode, LocalFormatError, localIoError } from "@stevedore/core";

/** Options of `withLockFile` (the lock around a layout's writes). */
export interface LockFileOptions {
  /** Give up waiting after this many milliseconds (default 30 000) with a retryable `LocalFormatError`. */
  timeout?: number;
  /** A lock older than this many milliseconds is stale whoever holds it (default 300 000). */
  staleAfter?: number;
  /** The clock, in milliseconds (default `Date.now`). */
  now?: () => number;
  /** Waits between attempts (default a timer). */
  sleep?: (milliseconds: number) => Promise<void>;
  /** Tells whether a process of this host is alive (default `process.kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean;
  signal?: AbortSignal;
}

interface LockOwner {
  pid: number;
  host: string;
  created: number;
  nonce: string;
}

/**
 * Runs `work` while holding the lock file `path`, so processes that share a directory take turns. The
 * lock is a file created with `O_EXCL` (atomic on local file systems and NFSv3+) holding the owner's pid,
 * host, creation time and a random nonce. A waiter retries with growing, jittered pauses. A lock is stale,
 * and is broken, when its owner on this host has exited, when it is older than `staleAfter`, or when its
 * content is unreadable and its age cannot be told for `staleAfter`; breaking renames it aside first, so two
 * waiters cannot both break the same lock and then remove each other's.
 *
 * The lock's files are a few bytes each: they are made, read and removed with direct calls, not through
 * libuv's thread pool, whose trips cost more than the calls (docs/decisions/0022-pull-latency.md). Only the
 * waits between attempts and `work` are asynchronous.
 *
 * @example
 * ```ts
 * await withLockFile(join(layout, "index.json.lock"), async () => updateIndex());
 * ```
 */
export async function withLockFile<T>(
  path: string,
  work: () => Promise<T>,
  options: LockFileOptions = {},
): Promise<T> {
  const owner = await acquire(path, options);
  try {
    return await work();
  } finally {
    release(path, owner);
  }
}

async function acquire(path: string, options: LockFileOptions): Promise<LockOwner> {
  const now = options.now ?? Date.now;
  const sleep =
    options.sleep ?? ((milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)));
  const isAlive = options.isAlive ?? processIsAlive;
  const timeout = options.timeout ?? 30_000;
  const staleAfter = options.staleAfter ?? 300_000;
  const started = now();
  let pause = 2;
  let unreadableSince: number | undefined;
  for (;;) {
    if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
    const owner: LockOwner = {
      pid: process.pid,
      host: hostname(),
      created: now(),
      nonce: randomBytes(8).toString("hex"),
    };
    if (tryCreate(path, owner)) return owner;
    const holder = readOwner(path);
    if (holder === "missing") continue;
    if (holder === "unreadable") {
      // Another process may be between creating the file and writing it: give it time before breaking.
      unreadableSince ??= now();
      if (now() - unreadableSince >= staleAfter) {
        breakLock(path, undefined);
        continue;
      }
    } else {
      unreadableSince = undefined;
      const dead = holder.host === hostname() && !isAlive(holder.pid);
      if (dead || now() - holder.created >= staleAfter) {
        breakLock(path, holder.nonce);
        continue;
      }
    }
    if (now() - started >= timeout) {
      const who = typeof holder === "string" ? "another process" : `process ${holder.pid} on ${holder.host}`;
      throw new LocalFormatError(`${path} is held by ${who}; gave up after ${timeout} ms`, {
        retryable: true,
      });
    }
    await sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 100);
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  // Written to a private file first and linked into place: `link` fails with EEXIST like O_EXCL, and a
  // reader never sees a lock file without its content.
  const temporary = `${path}.${owner.nonce}.tmp`;
  try {
    createExclusive(temporary, owner);
    try {
      linkSync(temporary, path);
    } catch (error) {
      if (!noHardLinks.has(String(errorCode(error)))) throw error;
      // A file system without hard links: fall back to O_EXCL on the lock itself.
      createExclusive(path, owner);
    }
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw localIoError("create lock file", path, error);
  } finally {
    removeQuietly(temporary);
  }
}

const noHardLinks = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

function createExclusive(path: string, owner: LockOwner): void {
  const descriptor = openSync(path, "wx", 0o644);
  try {
    const bytes = new TextEncoder().encode(JSON.stringify(owner));
    let written = 0;
    while (written < bytes.length) written += writeSync(descriptor, bytes, written);
  } finally {
    closeSync(descriptor);
  }
}

function readOwner(path: string): LockOwner | "missing" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return "missing";
    throw localIoError("read lock file", path, error);
  }
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (
      Number.isSafeInteger(value.pid) &&
      typeof value.host === "string" &&
      Number.isFinite(value.created) &&
      typeof value.nonce === "string"
    ) {
      return value as LockOwner;
    }
  } catch {
    // fall through
  }
  return "unreadable";
}

function breakLock(path: string, nonce: string | undefined): void {
  const aside = `${path}.${randomBytes(8).toString("hex")}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return; // someone else broke it first
    throw localIoError("remove stale lock file", path, error);
  }
  // If the lock was replaced between our read and the rename, we moved a live lock: put it back.
  const moved = readOwner(aside);
  if (nonce !== undefined && typeof moved === "object" && moved.nonce !== nonce) {
    try {
      linkSync(aside, path);
    } catch {}
  }
  removeQuietly(aside);
}

function release(path: string, owner: LockOwner): void {
  let holder: ReturnType<typeof readOwner>;
  try {
    holder = readOwner(path);
  } catch {
    holder = "unreadable";
  }
  // Only remove our own lock: if it was broken as stale, it now belongs to someone else.
  if (typeof holder === "object" && holder.nonce === owner.nonce) {
    try {
      unlinkSync(path);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    }
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}
