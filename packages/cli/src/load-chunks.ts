/**
 * Loads the bundled CLI's CommonJS chunks (rolldown.config.ts `binChunkOptions`) with V8 code caches of
 * its own. Node's compile cache keeps only the functions compiled while a module loads; the functions a
 * command compiles later, as it runs, were compiled again in every run. Here a chunk without a usable cache
 * is compiled from its text and, once the command has run, its cache is made from what the run compiled
 * and written for the next run, and older builds' caches of that chunk are removed but the newest
 * (docs/decisions/0025-code-cache.md).
 *
 * bin.ts loads this module before it knows the Node version is new enough: it must link on any Node with
 * ES modules, so built-ins are taken inside the functions only.
 */

/** The chunks of one build: the entry's file name and each chunk's content hash (hex). */
export interface ChunkSet {
  entry: string;
  hashes: Readonly<Record<string, string>>;
}

/** What `compile` needs of a cache: where its files go and whether one may be written. */
interface CacheFolder {
  directory: string;
  exists: boolean;
}

/** Each chunk runs as the body of this function, as Node runs a CommonJS module. */
const head = "(function (exports, require, module, __filename, __dirname) {";
const tail = "\n})";

/**
 * Where the code caches go: beside Node's own compile cache (`NODE_COMPILE_CACHE`, else
 * `<tmp>/node-compile-cache`), in `stevedore/<node>-<arch>-<v8>`, plus a fingerprint of the Node and V8
 * options the process started with (V8 refuses a cache made under other flags). None when
 * `STEVEDORE_DISABLE_CODE_CACHE` or `NODE_DISABLE_COMPILE_CACHE` is set.
 */
export function codeCacheDirectory(env: NodeJS.ProcessEnv): string | undefined {
  if (env.STEVEDORE_DISABLE_CODE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const { join, resolve } = process.getBuiltinModule("node:path");
  const base = env.NODE_COMPILE_CACHE
    ? resolve(env.NODE_COMPILE_CACHE)
    : join(process.getBuiltinModule("node:os").tmpdir(), "node-compile-cache");
  const options = [...process.execArgv, env.NODE_OPTIONS ?? ""].join("\0");
  const fingerprint = options === "" ? "" : `-${fnv1a(options)}`;
  const { node, v8 } = process.versions;
  return join(base, "stevedore", `${node}-${process.arch}-${v8}${fingerprint}`);
}

/** A 32-bit FNV-1a hash in hex: enough to tell sets of options apart, without loading node:crypto. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/**
 * The folder when it can be trusted: made by this user and writable by nobody else (a cache is code the
 * process runs). A folder that does not exist yet is made with the first write.
 */
function cacheFolder(directory: string): CacheFolder | undefined {
  try {
    const stats = process.getBuiltinModule("node:fs").statSync(directory);
    if (!stats.isDirectory()) return undefined;
    // POSIX only: Windows reports no owner, and every folder as writable by all.
    if (process.getuid !== undefined && (stats.uid !== process.getuid() || (stats.mode & 0o022) !== 0))
      return undefined;
    return { directory, exists: true };
  } catch {
    return { directory, exists: false };
  }
}

/**
 * Runs the entry chunk of `chunks` (in `directory`) and returns its exports; a chunk's `require("./x.cjs")`
 * loads that chunk the first time, any other `require` is Node's. With a cache folder, each chunk is
 * compiled with its cache when there is one; a chunk that had none (or one V8 refused) gets one written
 * when the process exits. A cache that cannot be read or written is not used: the command runs as without.
 */
export function loadChunks(
  directory: string,
  chunks: ChunkSet,
  cacheDirectory: string | undefined,
): Record<string, unknown> {
  const { readFileSync } = process.getBuiltinModule("node:fs");
  const { join } = process.getBuiltinModule("node:path");
  const { Script } = process.getBuiltinModule("node:vm");
  const nodeRequire = process.getBuiltinModule("node:module").createRequire(join(directory, chunks.entry));
  // Without a cache the chunks are what they are, CommonJS modules: Node's loader runs them (and, with
  // source maps enabled, maps their stacks).
  const folder = cacheDirectory === undefined ? undefined : cacheFolder(cacheDirectory);
  if (folder === undefined) return nodeRequire(join(directory, chunks.entry)) as Record<string, unknown>;
  const modules = new Map<string, { exports: Record<string, unknown> }>();
  const unsaved: UnsavedCache[] = [];
  let entryExports: Record<string, unknown> = {};

  const load = (name: string): Record<string, unknown> => {
    const known = modules.get(name);
    if (known !== undefined) return known.exports;
    const module = { exports: {} as Record<string, unknown> };
    modules.set(name, module);
    const filename = join(directory, name);
    const hash = chunks.hashes[name];
    const chunk = name.replace(/\.c?js$/, "");
    const cacheFile = hash === undefined ? undefined : join(folder.directory, `${chunk}-${hash}.cache`);
    let cachedData: Buffer | undefined;
    if (cacheFile !== undefined && folder.exists) {
      try {
        cachedData = readFileSync(cacheFile);
      } catch {
        // No cache yet (or unreadable): compiled from the text, and one is written at exit.
      }
    }
    const script = new Script(head + readFileSync(filename, "utf8") + tail, {
      filename,
      ...(cachedData !== undefined && { cachedData }),
    });
    if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
      if (unsaved.length === 0) saveAtExit(unsaved, () => entryExports);
      unsaved.push({ chunk, file: cacheFile, script });
    }
    const chunkRequire = (id: string): unknown => (id.startsWith("./") ? load(id.slice(2)) : nodeRequire(id));
    const run = script.runInThisContext() as (...args: unknown[]) => void;
    run.call(module.exports, module.exports, chunkRequire, module, filename, directory);
    return module.exports;
  };
  entryExports = load(chunks.entry);
  return entryExports;
}

/** A chunk's cache to write at exit: the chunk's name without extension, the file, the compiled script. */
interface UnsavedCache {
  chunk: string;
  file: string;
  script: import("node:vm").Script;
}

/** Two sources of the same length: V8 checks a cache against the source's length, not its text. */
const probeSources = ["'stevedore-code-cache-probe-1'", "'stevedore-code-cache-probe-2'"] as const;

/**
 * Writes the caches of `unsaved` when the process exits, from what the run compiled. The V8 flags the CLI
 * sets at run time (start.ts) change the flag hash a cache is checked against, so the entry's
 * `restoreV8Flags` sets them back first; a probe cache made now, before any flag is set, tells whether that
 * worked, and nothing is written if it did not (a cache the next start would refuse).
 */
function saveAtExit(unsaved: readonly UnsavedCache[], entryExports: () => Record<string, unknown>): void {
  const { Script } = process.getBuiltinModule("node:vm");
  const probe = new Script(probeSources[0]).createCachedData();
  process.once("exit", () => {
    try {
      const restore = entryExports().restoreV8Flags;
      if (typeof restore === "function") restore();
      if (new Script(probeSources[1], { cachedData: probe }).cachedDataRejected === true) return;
      const { renameSync, rmSync, writeFileSync } = process.getBuiltinModule("node:fs");
      const { dirname } = process.getBuiltinModule("node:path");
      const folder = dirname(unsaved[0]?.file ?? "");
      if (!makeCacheFolder(folder)) return;
      const written: UnsavedCache[] = [];
      for (const cache of unsaved) {
        const temporary = `${cache.file}.${process.pid}-${Math.random().toString(16).slice(2, 10)}.tmp`;
        try {
          writeFileSync(temporary, cache.script.createCachedData(), { mode: 0o600 });
          renameSync(temporary, cache.file);
          written.push(cache);
        } catch {
          rmSync(temporary, { force: true });
        }
      }
      removeOlderCaches(folder, written);
    } catch {
      // A cache is never worth a failed command: the next run compiles from the text again.
    }
  });
}

/** How many caches of one chunk a folder keeps: the one just written and the newest other. */
const cachesKeptPerChunk = 2;

/**
 * Removes the caches older builds left of the chunks just `written`: the other `<chunk>-<hash>.cache`
 * regular files of the same chunks (links and anything else are left alone), all but the newest by
 * modification time. A new build writes its caches once, so this runs once per build, at exit. The
 * newest other is kept so that two installs run in turn (a global one and a project's) do not delete each
 * other's cache in every run and write their own again; three or more in turn do, which costs a rewrite.
 */
function removeOlderCaches(folder: string, written: readonly UnsavedCache[]): void {
  if (written.length === 0) return;
  const { lstatSync, readdirSync, unlinkSync } = process.getBuiltinModule("node:fs");
  const { basename, join } = process.getBuiltinModule("node:path");
  const chunks = new Set(written.map(({ chunk }) => chunk));
  const current = new Set(written.map(({ file }) => basename(file)));
  const others = new Map<string, { name: string; modified: number }[]>();
  for (const name of readdirSync(folder)) {
    const chunk = /^(.+)-[0-9a-f]+\.cache$/.exec(name)?.[1];
    if (chunk === undefined || !chunks.has(chunk) || current.has(name)) continue;
    try {
      const stats = lstatSync(join(folder, name));
      if (stats.isFile())
        others.set(chunk, [...(others.get(chunk) ?? []), { name, modified: stats.mtimeMs }]);
    } catch {
      // Gone already (another process removed it): nothing to do.
    }
  }
  for (const files of others.values()) {
    files.sort((first, second) => second.modified - first.modified);
    for (const { name } of files.slice(cachesKeptPerChunk - 1)) {
      try {
        // unlink removes a name, never what a link points to: a file swapped for a link since lstat is safe.
        unlinkSync(join(folder, name));
      } catch {
        // Removed by another process, or not ours to remove: left as it is.
      }
    }
  }
}

/**
 * Makes the cache folder and the two above it (`<base>/stevedore/<versions>`) when missing; false when
 * one cannot be made. Each level is tried once: Node's recursive mkdir never returns where a parent
 * refuses new entries with ENOENT (`/proc`), and this runs as the process exits.
 */
function makeCacheFolder(folder: string): boolean {
  const { mkdirSync } = process.getBuiltinModule("node:fs");
  const { dirname } = process.getBuiltinModule("node:path");
  for (const level of [dirname(dirname(folder)), dirname(folder), folder]) {
    try {
      mkdirSync(level, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") return false;
    }
  }
  return true;
}
