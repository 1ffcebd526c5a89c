import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalIoError } from "@stevedore/core";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failureOf } from "../test-support/failure-of.js";
import { makeDirectory } from "./make-directory.js";

const directory = useTemporaryDirectory("stevedore-blob-mkdir-", beforeEach, afterEach);

describe("makeDirectory", () => {
  it("makes every missing level, and is content with a directory that exists", async () => {
    const path = join(directory.path, "a", "b", "c");
    await makeDirectory(path);
    await makeDirectory(path);
    expect((await stat(path)).isDirectory()).toBe(true);
  });

  it("names the file in the way as not a directory", async () => {
    await writeFile(join(directory.path, "file"), "x");
    const error = await failureOf(makeDirectory(join(directory.path, "file", "x", "y")));
    expect(LocalIoError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `cannot create directory ${join(directory.path, "file")}: not a directory (ENOTDIR)`,
    );
  });

  // Linux's /proc exists but answers ENOENT to any new entry: Node's recursive mkdir retries it forever.
  it("fails at once under a parent that refuses new entries with ENOENT (/proc)", async () => {
    const error = await failureOf(makeDirectory("/proc/stevedore-no-such-dir/x"));
    expect(LocalIoError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      "cannot create directory /proc/stevedore-no-such-dir: no such file or directory (ENOENT)",
    );
  });
});
