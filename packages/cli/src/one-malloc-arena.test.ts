import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  localSourceBytes,
  type MallocArenaSituation,
  smallSourceBytes,
  wantsOneMallocArena,
} from "./one-malloc-arena.js";

const glibcMaps = [
  "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1 /usr/bin/node",
  "7f1c2a000000-7f1c2a028000 r--p 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6",
].join("\n");
const muslMaps = [
  "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1 /usr/local/bin/node",
  "7f1c2a000000-7f1c2a028000 r--p 00000000 08:01 2 /lib/ld-musl-x86_64.so.1",
].join("\n");

const situation = (overrides: Partial<MallocArenaSituation>): MallocArenaSituation => ({
  argv: ["pull", "localhost:5000/app:1", "oci:out"],
  env: {},
  platform: "linux",
  readMaps: () => glibcMaps,
  ...overrides,
});

describe("wantsOneMallocArena", () => {
  it.each([["pull"], ["push"], ["copy"], ["cp"], ["blob"], ["serve"], ["append"], ["export"]])(
    "restarts for %s on glibc",
    (command) => {
      expect(wantsOneMallocArena(situation({ argv: [command, "x"] }))).toBe(true);
    },
  );

  it("finds the command after global flags", () => {
    expect(
      wantsOneMallocArena(situation({ argv: ["--debug", "--concurrency", "4", "push", "x", "y"] })),
    ).toBe(true);
  });

  it.each([[["--version"]], [["ls", "localhost:5000/app"]], [["inspect", "x"]], [["login", "x"]], [[]]])(
    "leaves %j as it is: the restart would cost more than it saves",
    (argv) => {
      expect(wantsOneMallocArena(situation({ argv }))).toBe(false);
    },
  );

  it.each([
    [["copy", "127.0.0.1:5000/app:1", "127.0.0.1:5000/mirror/app:1"]],
    [["cp", "--quiet", "docker://registry.example.com/a:1", "registry.example.com/b:1", "--platform=all"]],
    [["copy", "localhost:5000/a@sha256:" + "0".repeat(64), "LOCALHOST:5000/b"]],
  ])("does not restart for a copy within one registry (%j): it mounts, no blob passes through", (argv) => {
    expect(wantsOneMallocArena(situation({ argv }))).toBe(false);
  });

  it.each([
    [["copy", "127.0.0.1:5000/app:1", "127.0.0.1:5001/app:1"]],
    [["copy", "registry.example.com/a:1", "oci:./layout:1"]],
    [["copy", "oci:./one:1", "oci:./two:1"]],
    [["copy", "library/alpine:3", "library/alpine:3-copy"]],
    [["copy", "--platform", "linux/amd64", "registry.example.com/a:1", "registry.example.com/b:1"]],
  ])("restarts for a copy that may move blobs (%j)", (argv) => {
    expect(wantsOneMallocArena(situation({ argv }))).toBe(true);
  });

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

describe("wantsOneMallocArena for a local source", () => {
  const MiB = 1024 * 1024;
  const sized =
    (bytes: Record<string, number>) =>
    (operand: string, bareIsLayout: boolean): number | undefined =>
      /^(oci|docker-archive):/.test(operand) || bareIsLayout ? bytes[operand] : undefined;
  const localSourceBytes = sized({ "oci:small:v1": 14 * MiB, "./small": 6 * MiB, "oci:big:v1": 64 * MiB });

  it.each([
    [["push", "oci:small:v1", "127.0.0.1:5000/app:v1", "--quiet", "--platform", "all"]],
    [["--debug", "push", "./small", "registry.example.com/app:v1"]],
    [["copy", "oci:small:v1", "registry.example.com/app:v1"]],
  ])("does not restart to push a small layout (%j): the restart costs more than the arena saves", (argv) => {
    expect(wantsOneMallocArena(situation({ argv, localSourceBytes }))).toBe(false);
  });

  it.each([
    [["push", "oci:big:v1", "127.0.0.1:5000/app:v1"]],
    [["push", "oci:missing:v1", "127.0.0.1:5000/app:v1"]],
    [["push", "--platform", "all", "oci:small:v1", "127.0.0.1:5000/app:v1"]],
    [["copy", "registry.example.com/app:v1", "oci:small:v1"]],
    [["pull", "registry.example.com/app:v1", "oci:small:v1"]],
  ])("restarts when the source may be large or is not local (%j)", (argv) => {
    expect(wantsOneMallocArena(situation({ argv, localSourceBytes }))).toBe(true);
  });
});

describe("localSourceBytes", () => {
  const folder = mkdtempSync(join(tmpdir(), "stevedore-arena-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const layout = join(folder, "layout");
  mkdirSync(join(layout, "blobs", "sha256"), { recursive: true });
  writeFileSync(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(layout, "blobs", "sha256", "a"), Buffer.alloc(1500));
  writeFileSync(join(layout, "blobs", "sha256", "b"), Buffer.alloc(1500));
  const archive = join(folder, "image.tar");
  writeFileSync(archive, Buffer.alloc(5000));

  it("adds up the blobs of a layout, named with or without a tag", () => {
    expect(localSourceBytes(`oci:${layout}:v1`, false, smallSourceBytes)).toBe(3000);
    expect(localSourceBytes(`oci-layout:${layout}`, false, smallSourceBytes)).toBe(3000);
    expect(localSourceBytes(layout, true, smallSourceBytes)).toBe(3000);
  });

  it("stops counting past the limit", () => {
    expect(localSourceBytes(`oci:${layout}`, false, 500)).toBe(1500);
  });

  it("is an archive's size", () => {
    expect(localSourceBytes(`docker-archive:${archive}:app:v1`, false, smallSourceBytes)).toBe(5000);
  });

  it("is undefined for a registry reference or a path that holds no layout", () => {
    expect(localSourceBytes(layout, false, smallSourceBytes)).toBeUndefined();
    expect(localSourceBytes("registry.example.com/app:v1", true, smallSourceBytes)).toBeUndefined();
    expect(localSourceBytes(`oci:${join(folder, "missing")}:v1`, false, smallSourceBytes)).toBeUndefined();
    expect(localSourceBytes(`docker-archive:${folder}`, false, smallSourceBytes)).toBeUndefined();
  });
});
