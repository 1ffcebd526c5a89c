import { execFile } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { LocalFormatError, UsageError } from "@stevedore/core";
import { useTemporaryDirectory } from "@stevedore/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTar, type TarStreamEntry } from "./read-tar.js";
import { collect } from "./test-support/collect.js";
import { type TarWriterEntry, writeTar } from "./write-tar.js";

const run = promisify(execFile);
const encoder = new TextEncoder();

/** Hands `bytes` on in chunks of the given sizes (cycled), as a network or a decompressor would. */
async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let position = 0;
  for (let index = 0; position < bytes.length; index += 1) {
    const size = Math.max(1, sizes[index % sizes.length]!);
    yield bytes.subarray(position, position + size);
    position += size;
  }
}

async function entriesOf(
  source: AsyncIterable<Uint8Array>,
): Promise<(Omit<TarStreamEntry, "content"> & { data: Uint8Array })[]> {
  const out = [];
  for await (const { content, ...entry } of readTar(source))
    out.push({ ...entry, data: new Uint8Array(await collect(content)) });
  return out;
}

const temporary = useTemporaryDirectory("stevedore-read-tar-", beforeAll, afterAll);

describe("readTar", () => {
  it("reads back what writeTar wrote, whatever the chunk boundaries", async () => {
    const name = fc
      .array(fc.stringMatching(/^[a-zé名]{1,60}$/), { minLength: 1, maxLength: 5 })
      .map((parts) => parts.join("/"));
    const files = fc.uniqueArray(fc.tuple(name, fc.uint8Array({ maxLength: 3000 })), {
      selector: ([path]) => path,
      maxLength: 5,
    });
    await fc.assert(
      fc.asyncProperty(
        files,
        fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1 }),
        async (input, sizes) => {
          const bytes = await collect(
            writeTar(
              input.map(([path, data]) => ({ name: path, size: data.length, content: data, mode: 0o600 })),
            ),
          );
          const entries = await entriesOf(chunked(bytes, sizes));
          expect(entries.map((entry) => [entry.name, entry.mode, entry.data])).toEqual(
            input.map(([path, data]) => [path, 0o600, new Uint8Array(data)]),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it("skips content the caller does not read, and refuses reading it after moving on", async () => {
    const bytes = await collect(
      writeTar([
        { name: "a", size: 2000, content: new Uint8Array(2000).fill(1) },
        { name: "b", size: 3, content: encoder.encode("bbb") },
      ]),
    );
    const seen: string[] = [];
    let first: AsyncIterable<Uint8Array> | undefined;
    for await (const entry of readTar(chunked(bytes, [100]))) {
      seen.push(entry.name);
      if (entry.name === "a") first = entry.content;
      else expect(new TextDecoder().decode(await collect(entry.content))).toBe("bbb");
    }
    expect(seen).toEqual(["a", "b"]);
    await expect(collect(first!)).rejects.toThrow(UsageError);
  });

  it("keeps links, owners, devices and long link targets", async () => {
    const longTarget = `${"t".repeat(120)}/target`;
    const input: TarWriterEntry[] = [
      {
        name: "dir",
        type: "directory",
        size: 0,
        mode: 0o750,
        uid: 1000,
        gid: 3000000,
        uname: "ünïcode-user",
      },
      { name: "dir/link", type: "symlink", size: 0, linkName: longTarget },
      { name: "dir/hard", type: "hardlink", size: 0, linkName: "dir/link" },
      { name: "dev/null", type: "character-device", size: 0, devMajor: 1, devMinor: 3, mode: 0o666 },
      { name: "fifo", type: "fifo", size: 0 },
    ];
    const entries = await entriesOf(writeTar(input));
    const plain = { linkName: undefined, mode: 0o644, uid: 0, gid: 0, uname: "", devMajor: 0, devMinor: 0 };
    expect(
      entries.map(({ name, type, linkName, mode, uid, gid, uname, devMajor, devMinor }) => ({
        name,
        type,
        linkName,
        mode,
        uid,
        gid,
        uname,
        devMajor,
        devMinor,
      })),
    ).toEqual([
      {
        ...plain,
        name: "dir/",
        type: "directory",
        mode: 0o750,
        uid: 1000,
        gid: 3000000,
        uname: "ünïcode-user",
      },
      { ...plain, name: "dir/link", type: "symlink", linkName: longTarget },
      { ...plain, name: "dir/hard", type: "hardlink", linkName: "dir/link" },
      { ...plain, name: "dev/null", type: "character-device", mode: 0o666, devMajor: 1, devMinor: 3 },
      { ...plain, name: "fifo", type: "fifo" },
    ]);
  });

  it("reads what GNU tar writes with long names and links (pax and gnu formats)", async () => {
    const source = join(temporary.path, "gnu-source");
    const deep = `${"long-directory-name/".repeat(8)}leaf`;
    await mkdir(join(source, deep), { recursive: true });
    await writeFile(join(source, deep, "data.bin"), Buffer.alloc(70_000, 9));
    await symlink(`${"../".repeat(3)}${"x".repeat(110)}`, join(source, deep, "link"));
    for (const format of ["pax", "gnu"]) {
      const file = join(temporary.path, `gnu-${format}.tar`);
      await run("tar", [`--format=${format}`, "-cf", file, "-C", source, "."]);
      const entries = await entriesOf(createReadStream(file, { highWaterMark: 4096 }));
      const data = entries.find((entry) => entry.name.endsWith(`${deep}/data.bin`));
      expect(data?.data).toEqual(new Uint8Array(70_000).fill(9));
      const link = entries.find((entry) => entry.name.endsWith(`${deep}/link`));
      expect(link?.linkName).toBe(`${"../".repeat(3)}${"x".repeat(110)}`);
    }
  });

  it("fails with LocalFormatError on a truncated or corrupt archive, never hangs", async () => {
    const bytes = await collect(writeTar([{ name: "a", size: 5000, content: new Uint8Array(5000) }]));
    await expect(entriesOf(chunked(bytes.subarray(0, 2000), [512]))).rejects.toThrow(
      /truncated tar entry "a"/,
    );
    await expect(entriesOf(chunked(bytes.subarray(0, 300), [512]))).rejects.toThrow(LocalFormatError);
    await expect(entriesOf(chunked(encoder.encode("not a tar ".repeat(100)), [64]))).rejects.toThrow(
      /not a tar archive or corrupt header/,
    );
  });

  it("gives a value or a LocalFormatError for any bytes", async () => {
    const valid = await collect(writeTar([{ name: "x/y", size: 600, content: new Uint8Array(600).fill(3) }]));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }))),
        async (edits) => {
          const copy = valid.slice();
          for (const [at, value] of edits) copy[at] = value;
          try {
            await entriesOf(chunked(copy, [700]));
          } catch (error) {
            expect(error).toBeInstanceOf(LocalFormatError);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
