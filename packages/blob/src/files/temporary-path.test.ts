import { readdir, utimes, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sweepTemporaryFiles, temporaryPath } from "./temporary-path.js";

const directory = useTemporaryDirectory("stevedore-blob-sweep-", beforeEach, afterEach);

describe("temporaryPath and sweepTemporaryFiles", () => {
  it("names a hidden temp file beside the path with this host's mark and pid", () => {
    const name = basename(temporaryPath(join(directory.path, "index.json")));
    expect(name).toMatch(new RegExp(`^\\.index\\.json\\.[0-9a-f]{8}-${process.pid}-[0-9a-f]{12}\\.tmp$`));
    expect(temporaryPath(join(directory.path, "x"))).not.toBe(temporaryPath(join(directory.path, "x")));
  });

  it("removes temp files of dead writers of this host and day-old ones; keeps live writers' and other files", async () => {
    const mine = basename(temporaryPath(join(directory.path, "mine")));
    const host = mine.split(".").at(-2)?.split("-")[0] ?? "";
    const names = {
      dead: `.blob.${host}-4242-0123456789ab.tmp`,
      alive: `.blob.${host}-4343-0123456789ab.tmp`,
      otherHost: `.blob.0badf00d-4242-0123456789ab.tmp`,
      otherHostOld: `.old.0badf00d-4242-0123456789ab.tmp`,
      legacyOld: `.legacy.0123456789ab.tmp`,
      content: "blob",
      hiddenNotTemp: ".keep",
    };
    for (const name of [mine, ...Object.values(names)]) await writeFile(join(directory.path, name), "x");
    const old = new Date(Date.now() - 25 * 60 * 60 * 1000);
    await utimes(join(directory.path, names.otherHostOld), old, old);
    await utimes(join(directory.path, names.legacyOld), old, old);
    const removed = await sweepTemporaryFiles(directory.path, { isAlive: (pid) => pid === 4343 });
    expect(removed).toBe(3);
    expect((await readdir(directory.path)).sort()).toEqual(
      [mine, names.alive, names.otherHost, names.content, names.hiddenNotTemp].sort(),
    );
  });

  it("sweeps a missing directory as nothing", async () => {
    expect(await sweepTemporaryFiles(join(directory.path, "missing"))).toBe(0);
  });
});
