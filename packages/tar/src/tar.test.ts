import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { LocalFormatError, SizeMismatchError, UsageError } from "@stevedore/core";
import { useTemporaryDirectory } from "@stevedore/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexTar } from "./index-tar.js";
import { memorySource } from "./memory-source.js";
import { openRandomAccessFile } from "./random-access-file.js";
import { readTarEntry } from "./read-tar-entry.js";
import { type TarWriterEntry, writeTar } from "./write-tar.js";

const run = promisify(execFile);
const encoder = new TextEncoder();

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

async function archive(entries: TarWriterEntry[]): Promise<Uint8Array> {
  return collect(writeTar(entries));
}

const directory = useTemporaryDirectory("stevedore-tar-", beforeAll, afterAll);

describe("writeTar + indexTar", () => {
  it("round-trips any set of safe names and contents", async () => {
    const component = fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
      .filter((part) => !part.includes("/") && !part.includes("\0") && part !== "." && part !== "..");
    const name = fc
      .array(component, { minLength: 1, maxLength: 8 })
      .map((parts) => parts.join("/"))
      .filter((path) => !/^[A-Za-z]:/.test(path) && !path.startsWith("\\"));
    const files = fc.uniqueArray(fc.tuple(name, fc.uint8Array({ maxLength: 1500 })), {
      selector: ([path]) => path,
      maxLength: 6,
    });
    await fc.assert(
      fc.asyncProperty(files, async (input) => {
        const bytes = await archive(
          input.map(([path, data]) => ({ name: path, size: data.length, content: data })),
        );
        expect(bytes.length % 512).toBe(0);
        const source = memorySource(bytes);
        const entries = await indexTar(source);
        expect(entries.map((entry) => entry.name)).toEqual(input.map(([path]) => path));
        for (const [index, entry] of entries.entries()) {
          expect(await collect(readTarEntry(source, entry))).toEqual(input[index]![1]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("streams content from async iterables and pads to 512-byte blocks", async () => {
    async function* parts(): AsyncGenerator<Uint8Array> {
      yield encoder.encode("hello ");
      yield encoder.encode("world");
    }
    const bytes = await archive([
      { name: "dir", type: "directory", size: 0 },
      { name: "dir/a.txt", size: 11, content: parts() },
    ]);
    // header + dir header + one content block + two end blocks
    expect(bytes.length).toBe(512 * 5);
    const entries = await indexTar(memorySource(bytes));
    expect(entries.map((entry) => [entry.name, entry.type, entry.size])).toEqual([
      ["dir/", "directory", 0],
      ["dir/a.txt", "file", 11],
    ]);
  });

  it("refuses content longer or shorter than its declared size", async () => {
    await expect(archive([{ name: "a", size: 3, content: encoder.encode("abcd") }])).rejects.toThrow(
      SizeMismatchError,
    );
    async function* short(): AsyncGenerator<Uint8Array> {
      yield encoder.encode("ab");
    }
    await expect(archive([{ name: "a", size: 3, content: short() }])).rejects.toThrow(SizeMismatchError);
  });

  it.each(["../evil", "/etc/passwd", "a/../../b", "", "C:/x"])(
    "refuses to write the unsafe name %j",
    async (name) => {
      await expect(archive([{ name, size: 0 }])).rejects.toThrow(UsageError);
    },
  );

  it("writes archives GNU tar lists and extracts, with long and non-ASCII names", async () => {
    const long = `${"deep/".repeat(40)}file-with-a-long-name.txt`;
    const names = ["short.txt", long, "ünïcödé/名前.txt", `${"x".repeat(150)}/${"y".repeat(90)}`];
    const bytes = await archive(names.map((name) => ({ name, size: 3, content: encoder.encode("abc") })));
    const file = join(directory.path, "ours.tar");
    await writeFile(file, bytes);
    const { stdout } = await run("tar", ["-tf", file]);
    expect(stdout.trim().split("\n")).toEqual(names);
    const out = join(directory.path, "extracted");
    await run("mkdir", ["-p", out]);
    await run("tar", ["-xf", file, "-C", out]);
    expect(await readFile(join(out, long), "utf8")).toBe("abc");
  });

  it.each(["gnu", "pax", "ustar"])("reads archives GNU tar writes in %s format", async (format) => {
    const source = join(directory.path, `src-${format}`);
    const deep = format === "ustar" ? "a/b" : `${"long-directory-name/".repeat(8)}leaf`;
    await run("mkdir", ["-p", join(source, deep)]);
    await writeFile(join(source, deep, "data.bin"), Buffer.alloc(1000, 7));
    await run("ln", ["-s", "data.bin", join(source, deep, "link")]);
    const file = join(directory.path, `gnu-${format}.tar`);
    await run("tar", [`--format=${format}`, "-cf", file, "-C", source, "."]);
    const tarFile = await openRandomAccessFile(file);
    try {
      const entries = await indexTar(tarFile, { where: file });
      const data = entries.find((entry) => entry.name.endsWith(`${deep}/data.bin`));
      expect(data?.type).toBe("file");
      expect(await collect(readTarEntry(tarFile, data!))).toEqual(new Uint8Array(1000).fill(7));
      const link = entries.find((entry) => entry.name.endsWith(`${deep}/link`));
      expect(link).toMatchObject({ type: "symlink", linkName: "data.bin", size: 0 });
    } finally {
      await tarFile.close();
    }
  });
});

describe("indexTar on hostile or broken input", () => {
  async function sample(): Promise<Uint8Array> {
    return archive([
      { name: "a.txt", size: 700, content: new Uint8Array(700).fill(1) },
      { name: "b.txt", size: 3, content: encoder.encode("abc") },
    ]);
  }

  it("refuses an archive whose last entry is cut short", async () => {
    const bytes = await sample();
    // Cut inside b.txt's content (header of b.txt starts at 512 + 1024).
    await expect(indexTar(memorySource(bytes.subarray(0, 512 + 1024 + 512 + 2)))).rejects.toThrow(
      /truncated tar entry "b.txt"/,
    );
    await expect(indexTar(memorySource(bytes.subarray(0, 600)))).rejects.toThrow(LocalFormatError);
  });

  it("refuses a header cut short", async () => {
    const bytes = await sample();
    await expect(indexTar(memorySource(bytes.subarray(0, 512 + 1024 + 100)))).rejects.toThrow(
      /truncated tar header/,
    );
  });

  it("accepts an archive that ends at a block boundary without the end blocks", async () => {
    const bytes = await sample();
    const entries = await indexTar(memorySource(bytes.subarray(0, bytes.length - 1024)));
    expect(entries.map((entry) => entry.name)).toEqual(["a.txt", "b.txt"]);
  });

  it("refuses a corrupt header checksum, naming the archive", async () => {
    const bytes = await sample();
    bytes[10] = 0x41;
    await expect(indexTar(memorySource(bytes), { where: "x.tar" })).rejects.toThrow(
      "x.tar: not a tar archive or corrupt header at offset 0",
    );
  });

  it("refuses bytes that are not a tar archive", async () => {
    await expect(indexTar(memorySource(encoder.encode("hello world".repeat(100))))).rejects.toThrow(
      LocalFormatError,
    );
  });

  it("gives a value or a LocalFormatError for any corruption, never a crash", async () => {
    const bytes = await sample();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(bytes.length),
        async (edits, cut) => {
          const copy = bytes.slice(0, cut);
          for (const [index, value] of edits) if (index < copy.length) copy[index] = value;
          try {
            const source = memorySource(copy);
            for (const entry of await indexTar(source)) await collect(readTarEntry(source, entry));
          } catch (error) {
            expect(error).toBeInstanceOf(LocalFormatError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses an oversized or malformed pax header", async () => {
    const bytes = await archive([{ name: "ü.txt", size: 1, content: encoder.encode("x") }]);
    // The pax records start at 512: "NN path=ü.txt\n". Break the length.
    const broken = bytes.slice();
    broken[512] = "9".charCodeAt(0);
    broken[513] = "9".charCodeAt(0);
    await expect(indexTar(memorySource(broken))).rejects.toThrow(/malformed pax extended header/);
  });
});
