import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkReadmeApi, exportedNames, exportTableNames } from "./check-readme-api.ts";

const repositoryRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const temporary: string[] = [];

afterAll(() => {
  for (const directory of temporary) rmSync(directory, { recursive: true, force: true });
});

function fakeRepository(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "readme-api-"));
  temporary.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const manifest = (subpaths: string[]) =>
  JSON.stringify({
    name: "@stevedore/demo",
    exports: Object.fromEntries(
      subpaths.map((subpath) => [
        subpath,
        { types: `./dist/${subpath === "." ? "index" : subpath.slice(2)}.d.ts`, default: "./x.js" },
      ]),
    ),
  });

describe("checkReadmeApi", () => {
  it("finds every README of this repository in step with its package's exports", () => {
    expect(checkReadmeApi(repositoryRoot)).toEqual([]);
  });

  it("reports an export the API section never names, and an export-table row nothing exports", () => {
    const root = fakeRepository({
      "packages/demo/package.json": manifest([".", "./internal"]),
      "packages/demo/src/index.ts":
        'export type { DemoOptions } from "./demo.js";\nexport { createDemo, helper as renamed } from "./demo.js";\nexport const version = "1";\n',
      "packages/demo/src/internal.ts": 'export { secret } from "./demo.js";\n',
      "packages/demo/README.md": [
        "# demo",
        "",
        "## Example",
        "",
        "`renamed` is named here, outside the API section.",
        "",
        "## API",
        "",
        "| export | what |",
        "| --- | --- |",
        "| `createDemo(options: DemoOptions)` | a demo |",
        "| `secret` | internal, yet exported from ./internal |",
        "| `removedLongAgo()` | gone |",
        "",
        "| option | meaning |",
        "| --- | --- |",
        "| `verbose` | an option, not an export |",
        "",
        "```ts",
        "const v = version;",
        "```",
        "",
        "## API reference",
        "",
        "`renamed`",
      ].join("\n"),
    });
    expect(checkReadmeApi(root)).toEqual([
      { package: "demo", kind: "unlisted", name: "renamed" },
      { package: "demo", kind: "stale", name: "removedLongAgo" },
    ]);
  });
});

describe("exportedNames", () => {
  it("reads re-exports, renames, type-only lists and declarations", () => {
    expect(
      exportedNames(
        'export type { A, B } from "./a.js";\nexport { c, d as e, type F } from "./c.js";\nexport function g() {}\nexport interface H {}\n',
      ),
    ).toEqual(["A", "B", "c", "e", "F", "g", "H"]);
  });
});

describe("exportTableNames", () => {
  it("takes the leading name of each code span in the first column of export tables only", () => {
    expect(
      exportTableNames([
        "| export | what |",
        "| --- | --- |",
        "| `parseScope(text)`, `formatScope(scope)` | scopes |",
        "| `type Digest` | a digest |",
        "",
        "| option | default |",
        "| --- | --- |",
        "| `timeout` | 30 s |",
      ]),
    ).toEqual(["parseScope", "formatScope", "Digest"]);
  });
});
