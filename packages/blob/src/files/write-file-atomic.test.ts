import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalIoError } from "@stevedore/core";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "./write-file-atomic.js";

const directory = useTemporaryDirectory("stevedore-blob-atomic-", beforeEach, afterEach);

describe("writeFileAtomic", () => {
  it("replaces a file, durable or not, and leaves no temp file", async () => {
    const path = join(directory.path, "index.json");
    expect(await writeFileAtomic(path, "one")).toBe(true);
    expect(await writeFileAtomic(path, new TextEncoder().encode("two"), { durable: false })).toBe(true);
    expect(await readFile(path, "utf8")).toBe("two");
    expect(await readdir(directory.path)).toEqual(["index.json"]);
  });

  it("with exclusive, creates only when absent", async () => {
    const path = join(directory.path, "oci-layout");
    expect(await writeFileAtomic(path, "first", { exclusive: true })).toBe(true);
    expect(await writeFileAtomic(path, "second", { exclusive: true })).toBe(false);
    expect(await readFile(path, "utf8")).toBe("first");
    expect(await readdir(directory.path)).toEqual(["oci-layout"]);
  });

  it("fails with a LocalIoError naming the path when its directory is a file", async () => {
    await writeFile(join(directory.path, "file"), "x");
    const path = join(directory.path, "file", "index.json");
    const failure = writeFileAtomic(path, "x");
    await expect(failure).rejects.toBeInstanceOf(LocalIoError);
    await expect(failure).rejects.toThrow(`cannot write ${path}: not a directory (ENOTDIR)`);
    expect(await readdir(directory.path)).toEqual(["file"]);
  });
});
