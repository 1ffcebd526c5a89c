/**
 * What the end-to-end suites over one open registry share (describe-registry-flows, describe-faithful-flows):
 * a workspace with the two-platform test image as an OCI layout, unique repository names, raw targets for
 * seeding, and the one-error-line check.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestImage, type RawTarget, type TestImage, writeTestLayout } from "@stevedore/testing";
import { afterAll, beforeAll, expect } from "vitest";

/** An open registry: `host` is `127.0.0.1:PORT`, `url` is `http://127.0.0.1:PORT`. */
export interface FlowRegistry {
  host: string;
  url: string;
}

/** The fixture's parts; `workspace`, `image` and `layout` are set once `beforeAll` ran. */
export interface FlowFixture {
  workspace: string;
  image: TestImage;
  /** The image as an OCI layout, tagged `v1`. */
  layout: string;
  /** `HOST/PREFIX/NAME-<random>`: a repository no other test uses. */
  repository(name: string): string;
  /** The raw-HTTP target of a repository named by {@link repository}. */
  raw(name: string): RawTarget;
  /** The test image's image for linux/amd64 (0) or linux/arm64 (1). */
  child(index: number): TestImage["children"][number];
  /** A unique path in the workspace. */
  folder(name: string): string;
}

/** Registers `beforeAll`/`afterAll` for a workspace and returns the fixture (call inside `describe`). */
export function useFlowFixture(registry: () => FlowRegistry, prefix: string): FlowFixture {
  const fixture: FlowFixture = {
    workspace: "",
    image: createTestImage({ label: prefix }),
    layout: "",
    repository: (name) => `${registry().host}/${prefix}/${name}-${randomUUID().slice(0, 8)}`,
    raw: (name) => ({ url: registry().url, repository: name.slice(registry().host.length + 1) }),
    child(index) {
      const found = fixture.image.children[index];
      if (found === undefined) throw new Error("the test image has two children");
      return found;
    },
    folder: (name) => join(fixture.workspace, `${name}-${randomUUID().slice(0, 8)}`),
  };
  beforeAll(async () => {
    fixture.workspace = await mkdtemp(join(tmpdir(), `stevedore-cli-${prefix}-`));
    fixture.layout = join(fixture.workspace, "layout");
    await writeTestLayout(fixture.layout, fixture.image, "v1");
  });
  afterAll(async () => {
    await rm(fixture.workspace, { recursive: true, force: true });
  });
  return fixture;
}

/** One `stevedore: <what>: <message> (<hint>)` line on stderr, matching `pattern`. */
export function expectOneErrorLine(stderrLines: readonly string[], pattern: RegExp): void {
  expect(stderrLines).toHaveLength(1);
  expect(stderrLines[0]).toMatch(/^stevedore: [^\n]+: [^\n]+ \([^\n]+\)$/);
  expect(stderrLines[0]).toMatch(pattern);
}
