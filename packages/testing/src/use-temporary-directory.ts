import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A test framework's set-up or tear-down hook (vitest's `beforeEach`, `afterAll` …). */
export type TestHook = (run: () => Promise<void>) => void;

/**
 * A fresh folder under the system's temp folder, made by the `before` hook and removed with everything in it
 * by the `after` hook: `beforeEach`/`afterEach` for one per test, `beforeAll`/`afterAll` for one per file.
 * The hooks come from the caller, so this package needs no test framework. `path` is set once they run.
 *
 * @example
 * const directory = useTemporaryDirectory("stevedore-blob-", beforeEach, afterEach);
 * it("writes", async () => writeFile(join(directory.path, "a"), "a"));
 */
export function useTemporaryDirectory(prefix: string, before: TestHook, after: TestHook): { path: string } {
  const holder = { path: "" };
  before(async () => {
    holder.path = await mkdtemp(join(tmpdir(), prefix));
  });
  after(async () => {
    await rm(holder.path, { recursive: true, force: true });
  });
  return holder;
}

/**
 * A maker of fresh folders under the system's temp folder, as many as a test wants; the `after` hook
 * (vitest's `afterEach` …) removes every one made so far.
 *
 * @example
 * const temporaryDirectory = temporaryDirectories("stevedore-layout-", afterEach);
 * const layout = createOciLayout(await temporaryDirectory());
 */
export function temporaryDirectories(prefix: string, after: TestHook): () => Promise<string> {
  const made: string[] = [];
  after(async () => {
    for (const directory of made.splice(0)) await rm(directory, { recursive: true, force: true });
  });
  return async () => {
    const directory = await mkdtemp(join(tmpdir(), prefix));
    made.push(directory);
    return directory;
  };
}
