import { describe, expect, it } from "vitest";
import { type MallocArenaSituation, wantsOneMallocArena } from "./one-malloc-arena.js";

const glibcMaps = [
  "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1 /usr/bin/node",
  "7f1c2a000000-7f1c2a028000 r--p 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6",
].join("\n");
const muslMaps = [
  "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1 /usr/local/bin/node",
  "7f1c2a000000-7f1c2a028000 r--p 00000000 08:01 2 /lib/ld-musl-x86_64.so.1",
].join("\n");

const situation = (overrides: Partial<MallocArenaSituation>): MallocArenaSituation => ({
  argv: ["blob", "localhost:5000/app@sha256:" + "0".repeat(64)],
  env: {},
  platform: "linux",
  readMaps: () => glibcMaps,
  ...overrides,
});

describe("wantsOneMallocArena", () => {
  it.each([["blob"], ["serve"], ["append"], ["flatten"], ["export"], ["get-file"]])(
    "restarts for %s on glibc",
    (command) => {
      expect(wantsOneMallocArena(situation({ argv: [command, "x"] }))).toBe(true);
    },
  );

  it("finds the command after global flags", () => {
    expect(
      wantsOneMallocArena(situation({ argv: ["--debug", "--concurrency", "4", "export", "x", "y"] })),
    ).toBe(true);
  });

  it.each([[["--version"]], [["ls", "localhost:5000/app"]], [["inspect", "x"]], [["login", "x"]], [[]]])(
    "leaves %j as it is: the restart would cost more than it saves",
    (argv) => {
      expect(wantsOneMallocArena(situation({ argv }))).toBe(false);
    },
  );

  it.each([
    [["pull", "localhost:5000/app:1", "oci:out"]],
    [["push", "oci:./layout:1", "registry.example.com/app:1", "--platform", "all"]],
    [["copy", "127.0.0.1:5000/app:1", "127.0.0.1:5001/app:1"]],
    [["cp", "registry.example.com/a:1", "oci:./layout:1"]],
  ])(
    "does not restart a transfer (%j): without V8's TurboFan compile the default arenas peak no higher",
    (argv) => {
      expect(wantsOneMallocArena(situation({ argv }))).toBe(false);
    },
  );

  it("leaves malloc settings the user made alone, whatever their value", () => {
    expect(wantsOneMallocArena(situation({ env: { MALLOC_ARENA_MAX: "8" } }))).toBe(false);
    expect(wantsOneMallocArena(situation({ env: { MALLOC_ARENA_MAX: "" } }))).toBe(false);
    expect(wantsOneMallocArena(situation({ env: { GLIBC_TUNABLES: "glibc.malloc.arena_max=4" } }))).toBe(
      false,
    );
  });

  it("does nothing on musl, macOS or Windows, where glibc's variable means nothing", () => {
    expect(wantsOneMallocArena(situation({ readMaps: () => muslMaps }))).toBe(false);
    expect(wantsOneMallocArena(situation({ platform: "darwin" }))).toBe(false);
    expect(wantsOneMallocArena(situation({ platform: "win32" }))).toBe(false);
  });

  it("does nothing when the memory map cannot be read (no /proc)", () => {
    const readMaps = (): string => {
      throw Object.assign(new Error("ENOENT: no such file or directory, open '/proc/self/maps'"), {
        code: "ENOENT",
      });
    };
    expect(wantsOneMallocArena(situation({ readMaps }))).toBe(false);
  });
});
