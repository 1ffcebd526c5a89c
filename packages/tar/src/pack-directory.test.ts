import { execFile } from "node:child_process";
import { chmod, link, lstat, mkdir, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { NotFoundError, UsageError } from "@stevedore/core";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compress, decompress } from "./compression.js";
import { packDirectory, parseSourceDateEpoch } from "./pack-directory.js";
import { readTar } from "./read-tar.js";

const run = promisify(execFile);

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

const root = useTemporaryDirectory("stevedore-pack-", beforeAll, afterAll);

/** The same tree in a new folder, its files written in `order` and stamped with `time`. */
async function makeTree(name: string, order: string[], time: Date): Promise<string> {
  const base = join(root.path, name);
  await mkdir(join(base, "bin"), { recursive: true });
  await mkdir(join(base, "etc", "conf.d"), { recursive: true });
  const files: Record<string, [string, number]> = {
    "bin/tool": ["#!/bin/sh\necho hi\n", 0o755],
    "etc/conf.d/b.conf": ["b", 0o600],
    "etc/a.conf": ["a", 0o644],
    README: ["readme", 0o444],
  };
  for (const file of order) {
    const [text, mode] = files[file]!;
    await writeFile(join(base, file), text);
    await chmod(join(base, file), mode);
  }
  await symlink("tool", join(base, "bin", "alias"));
  await link(join(base, "etc", "a.conf"), join(base, "etc", "a-again.conf"));
  for (const file of [...order, "bin", "etc", "etc/conf.d", ""]) await utimes(join(base, file), time, time);
  return base;
}

describe("packDirectory", () => {
  it("gives the same bytes for the same content whatever the file times and creation order", async () => {
    const one = await makeTree(
      "one",
      ["README", "bin/tool", "etc/a.conf", "etc/conf.d/b.conf"],
      new Date(1e12),
    );
    const two = await makeTree(
      "two",
      ["etc/conf.d/b.conf", "etc/a.conf", "bin/tool", "README"],
      new Date(1.5e12),
    );
    const first = await collect(compress(packDirectory(one, { destination: "/app" }), "gzip"));
    const second = await collect(compress(packDirectory(two, { destination: "/app" }), "gzip"));
    expect(first.equals(second)).toBe(true);
    const other = await collect(compress(packDirectory(two, { destination: "/app", mtime: 5 }), "gzip"));
    expect(first.equals(other)).toBe(false);
  });

  it("sorts entries, keeps modes and links, writes 0:0 and the given time (checked with GNU tar)", async () => {
    const tree = await makeTree(
      "listed",
      ["README", "bin/tool", "etc/a.conf", "etc/conf.d/b.conf"],
      new Date(),
    );
    const file = join(root.path, "listed.tar");
    await writeFile(
      file,
      await collect(packDirectory(tree, { destination: "srv/app", mtime: 1_700_000_000 })),
    );
    const { stdout } = await run("tar", ["--numeric-owner", "--utc", "-tvf", file]);
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => line.replace(/\s+/g, " "));
    expect(lines).toEqual([
      "drwxr-xr-x 0/0 0 2023-11-14 22:13 srv/",
      expect.stringMatching(/^drwx\S+ 0\/0 0 2023-11-14 22:13 srv\/app\/$/),
      "-r--r--r-- 0/0 6 2023-11-14 22:13 srv/app/README",
      "drwxr-xr-x 0/0 0 2023-11-14 22:13 srv/app/bin/",
      "lrwxrwxrwx 0/0 0 2023-11-14 22:13 srv/app/bin/alias -> tool",
      "-rwxr-xr-x 0/0 18 2023-11-14 22:13 srv/app/bin/tool",
      "drwxr-xr-x 0/0 0 2023-11-14 22:13 srv/app/etc/",
      "-rw-r--r-- 0/0 1 2023-11-14 22:13 srv/app/etc/a-again.conf",
      "hrw-r--r-- 0/0 0 2023-11-14 22:13 srv/app/etc/a.conf link to srv/app/etc/a-again.conf",
      "drwxr-xr-x 0/0 0 2023-11-14 22:13 srv/app/etc/conf.d/",
      "-rw------- 0/0 1 2023-11-14 22:13 srv/app/etc/conf.d/b.conf",
    ]);
  });

  it("keeps the owners on disk when asked", async () => {
    const tree = await makeTree(
      "owners",
      ["README", "bin/tool", "etc/a.conf", "etc/conf.d/b.conf"],
      new Date(),
    );
    const { uid, gid } = await lstat(join(tree, "README"));
    for await (const entry of readTar(packDirectory(tree, { owner: "keep" }))) {
      if (entry.name === "README") expect([entry.uid, entry.gid]).toEqual([uid, gid]);
    }
  });

  it("packs one file at a destination path or into a destination folder", async () => {
    const file = join(root.path, "single.txt");
    await writeFile(file, "one");
    const names = async (destination: string | undefined): Promise<string[]> => {
      const out: string[] = [];
      for await (const entry of readTar(
        packDirectory(file, destination === undefined ? {} : { destination }),
      )) {
        out.push(entry.name);
      }
      return out;
    };
    expect(await names(undefined)).toEqual(["single.txt"]);
    expect(await names("/usr/local/bin/")).toEqual([
      "usr/",
      "usr/local/",
      "usr/local/bin/",
      "usr/local/bin/single.txt",
    ]);
    expect(await names("opt/renamed")).toEqual(["opt/", "opt/renamed"]);
  });

  it("refuses a missing path, an unsafe destination and a bad SOURCE_DATE_EPOCH", async () => {
    await expect(collect(packDirectory(join(root.path, "absent")))).rejects.toThrow(NotFoundError);
    await expect(collect(packDirectory(root.path, { destination: "../up" }))).rejects.toThrow(UsageError);
    expect(parseSourceDateEpoch("1700000000")).toBe(1_700_000_000);
    expect(parseSourceDateEpoch(undefined)).toBeUndefined();
    expect(() => parseSourceDateEpoch("yesterday")).toThrow(/SOURCE_DATE_EPOCH must be a whole number/);
  });
});

describe("compress and decompress", () => {
  const text = Buffer.from("layer bytes ".repeat(10_000));
  async function* source(): AsyncGenerator<Uint8Array> {
    for (let offset = 0; offset < text.length; offset += 7000) yield text.subarray(offset, offset + 7000);
  }

  it.each(["gzip", "zstd", "none"] as const)("round-trips %s, detected from the bytes", async (algorithm) => {
    const packed = await collect(compress(source(), algorithm));
    expect((await collect(decompress(once(packed)))).equals(text)).toBe(true);
  });

  it("writes a gzip header without time, name or OS, that gunzip reads", async () => {
    const packed = await collect(compress(source(), "gzip", { level: 9 }));
    expect([...packed.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
    const file = join(root.path, "x.gz");
    await writeFile(file, packed);
    const { stdout } = await run("gzip", ["-dc", file], { maxBuffer: 1 << 24 });
    expect(stdout).toBe(text.toString());
  });

  it("refuses an unknown algorithm or level, and corrupt data, with typed errors", async () => {
    expect(() => compress(source(), "brotli" as never)).toThrow(UsageError);
    expect(() => compress(source(), "gzip", { level: 12 })).toThrow(
      /gzip level must be an integer from 1 to 9/,
    );
    const packed = await collect(compress(source(), "gzip"));
    packed[200] = 0xff - (packed[200] ?? 0);
    await expect(collect(decompress(once(packed), { where: "layer sha256:ab" }))).rejects.toThrow(
      /layer sha256:ab: corrupt gzip data/,
    );
  });
});
