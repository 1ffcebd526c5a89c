import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, unlink } from "node:fs/promises";
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
    await release(path, owner);
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
    if (await tryCreate(path, owner)) return owner;
    const holder = await readOwner(path);
    if (holder === "missing") continue;
    if (holder === "unreadable") {
      // Another process may be between creating the file and writing it: give it time before breaking.
      unreadableSince ??= now();
      if (now() - unreadableSince >= staleAfter) {
        await breakLock(path, undefined);
        continue;
      }
    } else {
      unreadableSince = undefined;
      const dead = holder.host === hostname() && !isAlive(holder.pid);
      if (dead || now() - holder.created >= staleAfter) {
        await breakLock(path, holder.nonce);
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

async function tryCreate(path: string, owner: LockOwner): Promise<boolean> {
  // Written to a private file first and linked into place: `link` fails with EEXIST like O_EXCL, and a
  // reader never sees a lock file without its content.
  const temporary = `${path}.${owner.nonce}.tmp`;
  try {
    await createExclusive(temporary, owner);
    try {
      await link(temporary, path);
    } catch (error) {
      if (!noHardLinks.has(String(errorCode(error)))) throw error;
      // A file system without hard links: fall back to O_EXCL on the lock itself.
      await createExclusive(path, owner);
    }
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw localIoError("create lock file", path, error);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

const noHardLinks = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

async function createExclusive(path: string, owner: LockOwner): Promise<void> {
  const handle = await open(path, "wx", 0o644);
  try {
    await handle.writeFile(JSON.stringify(owner));
  } finally {
    await handle.close();
  }
}

async function readOwner(path: string): Promise<LockOwner | "missing" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
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

async function breakLock(path: string, nonce: string | undefined): Promise<void> {
  const aside = `${path}.${randomBytes(8).toString("hex")}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return; // someone else broke it first
    throw localIoError("remove stale lock file", path, error);
  }
  // If the lock was replaced between our read and the rename, we moved a live lock: put it back.
  const moved = await readOwner(aside);
  if (nonce !== undefined && typeof moved === "object" && moved.nonce !== nonce) {
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

async function release(path: string, owner: LockOwner): Promise<void> {
  const holder = await readOwner(path).catch(() => "unreadable" as const);
  // Only remove our own lock: if it was broken as stale, it now belongs to someone else.
  // `unlink` ignoring ENOENT is `rm(path, { force: true })` without loading Node's recursive remover.
  if (typeof holder === "object" && holder.nonce === owner.nonce) {
    await unlink(path).catch((error: unknown) => {
      if (errorCode(error) !== "ENOENT") throw error;
    });
  }
}
