/**
 * The bundled `stevedore`'s own code caches (src/load-chunks.ts): two builds bundled into temp folders
 * (they print different versions of the same length), each run as a real process with its own
 * `NODE_COMPILE_CACHE`. The caches must never change what a command does: missing, corrupt, truncated,
 * unwritable or another build's, the command runs as without them.
 */
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  truncate,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build } from "rolldown";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleOptions } from "../rolldown.config.ts";
import { spawnNode } from "./test-support/spawn-node.js";

let directory: string;
const builds = { first: "", second: "" };

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "stevedore-cli-code-cache-"));
  builds.first = join(directory, "first");
  builds.second = join(directory, "second");
  await build({ ...bundleOptions(builds.first, "1.0.0-first"), logLevel: "silent" });
  await build({ ...bundleOptions(builds.second, "1.0.0-other"), logLevel: "silent" });
}, 60_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Runs `stevedore ARGS` of one build with this compile-cache folder (and more environment). */
async function run(bin: string, argv: string[], env: Record<string, string>) {
  return spawnNode([join(bin, "bin.js"), ...argv], env).exited;
}

/** The cache files under `folder` (any Node, any options), with what tells a rewrite apart. */
async function cacheFiles(folder: string): Promise<Map<string, { inode: number; modified: number }>> {
  const files = new Map<string, { inode: number; modified: number }>();
  const entries = await readdir(folder, { recursive: true }).catch(() => [] as string[]);
  for (const name of entries.filter((entry) => entry.endsWith(".cache"))) {
    const info = await stat(join(folder, name));
    files.set(name, { inode: info.ino, modified: info.mtimeMs });
  }
  return files;
}

const newFolder = (): Promise<string> => mkdtemp(join(directory, "cache-"));

describe("the bundled stevedore's code caches", () => {
  it("writes a cache for each chunk it ran once, and the next run uses it without writing", async () => {
    const folder = await newFolder();
    const first = await run(builds.first, ["--version"], { NODE_COMPILE_CACHE: folder });
    expect([first.code, first.stdout, first.stderr]).toEqual([
      0,
      `stevedore 1.0.0-first (node ${process.version})\n`,
      "",
    ]);
    const written = await cacheFiles(folder);
    const names = [...written.keys()].map((name) =>
      name.replace(/^.*[\\/]/, "").replace(/-[0-9a-f]{16}\.cache$/, ""),
    );
    expect(names).toContain("start");
    expect(names).toContain("main");
    // `--version` loads no client: no cache for it.
    expect(names).not.toContain("client");
    for (const name of written.keys())
      expect(name).toMatch(/^stevedore[\\/][^\\/]+[\\/][a-z-]+-[0-9a-f]{16}\.cache$/);

    const second = await run(builds.first, ["--version"], { NODE_COMPILE_CACHE: folder });
    expect([second.code, second.stdout, second.stderr]).toEqual([0, first.stdout, ""]);
    // V8 took every cache: none was written again.
    expect(await cacheFiles(folder)).toEqual(written);
  });

  it("a command that loads the client and sets V8's flags writes caches the next run takes", async () => {
    const folder = await newFolder();
    // Exit 2 once the client has parsed the locations: the client chunk ran, and the flags were set.
    const first = await run(builds.first, ["copy", "ftp:x", "oci:y"], { NODE_COMPILE_CACHE: folder });
    expect(first.code).toBe(2);
    const written = await cacheFiles(folder);
    expect([...written.keys()].some((name) => /[\\/]client-[0-9a-f]{16}\.cache$/.test(name))).toBe(true);
    const second = await run(builds.first, ["copy", "ftp:x", "oci:y"], { NODE_COMPILE_CACHE: folder });
    expect([second.code, second.stderr]).toEqual([2, first.stderr]);
    expect(await cacheFiles(folder)).toEqual(written);
  });

  it("runs as without a cache when a cache file is corrupt or cut short, and replaces it", async () => {
    const folder = await newFolder();
    const expected = await run(builds.first, ["--version"], { NODE_COMPILE_CACHE: folder });
    const names = [...(await cacheFiles(folder)).keys()];
    const main = names.find((name) => /[\\/]main-/.test(name)) ?? "";
    const start = names.find((name) => /[\\/]start-/.test(name)) ?? "";
    const bytes = await readFile(join(folder, main));
    await writeFile(
      join(folder, main),
      bytes.map((byte) => byte ^ 0x5a),
    );
    await truncate(join(folder, start), 100);

    const damaged = await run(builds.first, ["--version"], { NODE_COMPILE_CACHE: folder });
    expect([damaged.code, damaged.stdout, damaged.stderr]).toEqual([0, expected.stdout, ""]);
    // Both were refused and written again, whole: the next run takes them as they are.
    const replaced = await cacheFiles(folder);
    expect((await stat(join(folder, start))).size).toBeGreaterThan(100);
    const again = await run(builds.first, ["--version"], { NODE_COMPILE_CACHE: folder });
    expect([again.code, again.stdout]).toEqual([0, expected.stdout]);
    expect(await cacheFiles(folder)).toEqual(replaced);
  });

  it("runs as without a cache when its folder cannot be made", async () => {
    // A file where the folder should be: no folder can be made under it, whoever runs the test.
    const blocked = join(await newFolder(), "a-file");
    await writeFile(blocked, "");
    const result = await run(builds.first, ["--version"], { NODE_COMPILE_CACHE: blocked });
    expect([result.code, result.stdout, result.stderr]).toEqual([
      0,
      `stevedore 1.0.0-first (node ${process.version})\n`,
      "",
    ]);
    const missing = await run(builds.first, ["copy", "ftp:x", "oci:y"], { NODE_COMPILE_CACHE: blocked });
    expect(missing.code).toBe(2);
    // Under /proc a new folder is ENOENT though its parent exists: Node's recursive mkdir never returns.
    // (Node itself hangs with NODE_COMPILE_CACHE there, so the cache's default place under TMPDIR is used.)
    const proc = await run(builds.first, ["--version"], { TMPDIR: "/proc/stevedore-no-cache" });
    expect(proc.code).toBe(0);
  });

  it("does not use a cache folder that other users can write to", async () => {
    const folder = await newFolder();
    const other = await newFolder();
    await run(builds.first, ["--version"], { NODE_COMPILE_CACHE: folder });
    await run(builds.second, ["--version"], { NODE_COMPILE_CACHE: other });
    const [main = ""] = [...(await cacheFiles(folder)).keys()].filter((name) => /[\\/]main-/.test(name));
    const [otherMain = ""] = [...(await cacheFiles(other)).keys()].filter((name) => /[\\/]main-/.test(name));
    // Someone else's cache under this build's name: run, it would print the other build's version.
    await writeFile(join(folder, main), await readFile(join(other, otherMain)));
    await chmod(dirname(join(folder, main)), 0o777);
    const planted = await cacheFiles(folder);
    const result = await run(builds.first, ["--version"], { NODE_COMPILE_CACHE: folder });
    expect([result.code, result.stdout, result.stderr]).toEqual([
      0,
      `stevedore 1.0.0-first (node ${process.version})\n`,
      "",
    ]);
    expect(await cacheFiles(folder)).toEqual(planted);
  });

  it("writes nothing with STEVEDORE_DISABLE_CODE_CACHE or NODE_DISABLE_COMPILE_CACHE", async () => {
    for (const variable of ["STEVEDORE_DISABLE_CODE_CACHE", "NODE_DISABLE_COMPILE_CACHE"]) {
      const folder = await newFolder();
      const result = await run(builds.first, ["--version"], { NODE_COMPILE_CACHE: folder, [variable]: "1" });
      expect([result.code, result.stderr]).toEqual([0, ""]);
      expect(await cacheFiles(folder)).toEqual(new Map());
    }
  });

  it("with --debug loads the chunks through Node's loader, whose stacks follow the source maps", async () => {
    const folder = await newFolder();
    // Port 1 on loopback refuses the connection: the error's stack is printed with --debug.
    const result = await run(builds.first, ["digest", "127.0.0.1:1/app:v1", "--debug"], {
      NODE_COMPILE_CACHE: folder,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/\n\s+at .*[\\/]packages[\\/]transport[\\/]/);
    expect(await cacheFiles(folder)).toEqual(new Map());
  });

  it("a new build's cache replaces older builds' caches of that chunk, keeping the newest other", async () => {
    const folder = await newFolder();
    await run(builds.first, ["--version"], { NODE_COMPILE_CACHE: folder });
    const [firstMain = ""] = [...(await cacheFiles(folder)).keys()].filter((name) => /[\\/]main-/.test(name));
    const versions = join(folder, dirname(firstMain));
    // Two builds older than the first (by their files' times), and what this folder may hold that no
    // build wrote as its cache: a link in the pattern, a folder in the pattern, a temp file, other names.
    const day = 24 * 60 * 60;
    const now = Date.now() / 1000;
    const planted = {
      older: "main-00000000000000aa.cache",
      oldest: "main-00000000000000bb.cache",
      client: "client-00000000000000cc.cache",
      link: "main-00000000000000dd.cache",
      folder: "main-00000000000000ee.cache",
      temporary: "main-00000000000000aa.cache.123-abcdef01.tmp",
      other: "main-notes.cache",
    };
    const outside = join(await newFolder(), "kept");
    await writeFile(outside, "not a cache");
    for (const name of [planted.older, planted.oldest, planted.client, planted.temporary, planted.other])
      await writeFile(join(versions, name), "old");
    await utimes(join(versions, planted.older), now - day, now - day);
    await utimes(join(versions, planted.oldest), now - 2 * day, now - 2 * day);
    await symlink(outside, join(versions, planted.link));
    await mkdir(join(versions, planted.folder));
    // The first build ran last: its cache counts as the newest other.
    await utimes(join(folder, firstMain), now, now);

    // The second build prints its version from main: a new main cache, and the older two go.
    const second = await run(builds.second, ["--version"], { NODE_COMPILE_CACHE: folder });
    expect([second.code, second.stderr]).toEqual([0, ""]);
    const left = (await readdir(versions)).sort();
    const mains = left.filter(
      (name) => /^main-[0-9a-f]{16}\.cache$/.test(name) && name !== planted.link && name !== planted.folder,
    );
    // The second build's and the first's: the older two are gone.
    expect(mains).toHaveLength(2);
    expect(mains).toContain(firstMain.replace(/^.*[\\/]/, ""));
    for (const name of [planted.client, planted.link, planted.folder, planted.temporary, planted.other])
      expect(left).toContain(name);
    expect((await lstat(join(versions, planted.link))).isSymbolicLink()).toBe(true);
    expect(await readFile(outside, "utf8")).toBe("not a cache");

    // Two builds run in turn keep each other's cache: neither writes again.
    const kept = await cacheFiles(folder);
    for (const bin of [builds.first, builds.second, builds.first]) {
      const result = await run(bin, ["--version"], { NODE_COMPILE_CACHE: folder });
      expect(result.code).toBe(0);
    }
    expect(await cacheFiles(folder)).toEqual(kept);
  });

  it("never runs another build's cache: a new build's chunk gets a cache of its own", async () => {
    const folder = await newFolder();
    const first = await run(builds.first, ["--version"], { NODE_COMPILE_CACHE: folder });
    expect(first.stdout).toBe(`stevedore 1.0.0-first (node ${process.version})\n`);
    const before = await cacheFiles(folder);
    // The same length of text, so V8's own check (the source's length) would take the first build's cache
    // and print its version.
    const second = await run(builds.second, ["--version"], { NODE_COMPILE_CACHE: folder });
    expect(second.stdout).toBe(`stevedore 1.0.0-other (node ${process.version})\n`);
    const after = await cacheFiles(folder);
    const mains = [...after.keys()].filter((name) => /[\\/]main-/.test(name));
    expect(mains).toHaveLength(2);
    for (const [name, file] of before) expect(after.get(name)).toEqual(file);
  });
});
