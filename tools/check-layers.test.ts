import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkLayers,
  checkReadmeTable,
  findImports,
  formatViolation,
  layerLabel,
  layerTable,
  readmeLayers,
  type Violation,
} from "./check-layers.ts";

const script = fileURLToPath(new URL("./check-layers.ts", import.meta.url));
const repositoryRoot = dirname(dirname(script));
const temporary: string[] = [];

afterAll(() => {
  for (const directory of temporary) rmSync(directory, { recursive: true, force: true });
});

interface FakePackage {
  dependencies?: string[];
  devDependencies?: string[];
  name?: string;
  files?: Record<string, string>;
}

/** Writes a fake monorepo: packages/<dir>/package.json and its source files. */
function fakeRepository(packages: Record<string, FakePackage>): string {
  const root = mkdtempSync(join(tmpdir(), "check-layers-"));
  temporary.push(root);
  for (const [directory, spec] of Object.entries(packages)) {
    const manifest: Record<string, unknown> = { name: spec.name ?? `@stevedore/${directory}` };
    const asRecord = (names: string[]): Record<string, string> =>
      Object.fromEntries(names.map((name) => [name, "workspace:^"]));
    if (spec.dependencies) manifest.dependencies = asRecord(spec.dependencies);
    if (spec.devDependencies) manifest.devDependencies = asRecord(spec.devDependencies);
    mkdirSync(join(root, "packages", directory, "src"), { recursive: true });
    writeFileSync(
      join(root, "packages", directory, "package.json"),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );
    for (const [file, text] of Object.entries(spec.files ?? {})) {
      mkdirSync(dirname(join(root, "packages", directory, file)), { recursive: true });
      writeFileSync(join(root, "packages", directory, file), text);
    }
  }
  return root;
}

const summary = (violations: Violation[]): string[] =>
  violations.map(
    (v) =>
      `${v.kind} ${v.file}:${v.line} ${v.importer}(${v.importerLayer}) -> ${v.imported}(${v.importedLayer})`,
  );

describe("checkLayers", () => {
  it("reports imports that point up or sideways, and every other broken rule", () => {
    const root = fakeRepository({
      core: {
        dependencies: ["@stevedore/client"],
        files: {
          "src/index.ts": 'export const a = 1;\nimport { send } from "@stevedore/transport";\n',
          // Imports in comments, strings and templates are not imports.
          "src/doc.ts": [
            "/**",
            ' * import { createClient } from "@stevedore/client";',
            " */",
            '// import "@stevedore/cli";',
            "const s = 'import(\"@stevedore/cli\")';",
            'const t = `from "@stevedore/cli"`;',
            'const r = /from "@stevedore\\/cli"/;',
            "",
          ].join("\n"),
        },
      },
      transport: {
        dependencies: ["@stevedore/core", "@stevedore/auth"],
        files: {
          "src/send.ts": [
            'import type { Scope } from "@stevedore/core";',
            'import { createAuth } from "@stevedore/auth";',
            'import { node } from "@stevedore/auth/node";',
            "",
          ].join("\n"),
        },
      },
      auth: { dependencies: ["@stevedore/core"] },
      blob: { dependencies: ["@stevedore/core"] },
      routing: {
        dependencies: ["@stevedore/core", "@stevedore/blob"],
        files: { "src/index.ts": 'export * from "@stevedore/blob";\nexport * from "@stevedore/nope";\n' },
      },
      transfer: {
        dependencies: ["@stevedore/core", "@stevedore/blob", "@stevedore/routing"],
        files: {
          "src/copy.ts": [
            'import "@stevedore/blob";',
            'const { buildUrl } = await import("@stevedore/routing");',
            "",
          ].join("\n"),
        },
      },
      layout: {
        dependencies: ["@stevedore/core", "@stevedore/blob"],
        files: {
          "src/escape.ts": 'import { x } from "../../blob/src/x.js";\n',
          "src/fine.test.ts":
            'import { h } from "../../blob/src/test-support/helpers.js";\nimport "./own.js";\n',
          "src/up.test.ts": 'import { c } from "../../cli/src/test-support/run.js";\n',
          "src/inner.test.ts": 'import { x } from "../../blob/src/x.js";\n',
          // Tests may use the repository's registries and token server; sources may not.
          "src/registry.int.test.ts": 'import { seedImage } from "../../../tools/registry/raw-client.ts";\n',
          "src/helpers/deep.ts":
            'import { y } from "../own.js";\nimport { z } from "../../../../tools/x.ts";\n',
        },
      },
      client: {
        dependencies: ["@stevedore/core"],
        files: { "src/lazy.ts": 'type T = typeof import("@stevedore/cli");\n' },
      },
      cli: { dependencies: [] },
      mystery: {
        dependencies: ["@stevedore/core"],
        files: { "src/index.ts": 'import "@stevedore/core";\n' },
      },
      remote: { name: "@stevedore/remote-target" },
    });

    expect(summary(checkLayers(root))).toEqual(
      [
        "upward packages/client/src/lazy.ts:1 client(4) -> @stevedore/cli(5)",
        "upward packages/core/package.json:4 core(0) -> @stevedore/client(4)",
        "upward packages/core/src/index.ts:2 core(0) -> @stevedore/transport(1)",
        "relative-escape packages/layout/src/escape.ts:1 layout(2) -> ../../blob/src/x.js(1)",
        "relative-escape packages/layout/src/helpers/deep.ts:2 layout(2) -> ../../../../tools/x.ts(undefined)",
        "relative-escape packages/layout/src/inner.test.ts:1 layout(2) -> ../../blob/src/x.js(1)",
        "upward packages/layout/src/up.test.ts:1 layout(2) -> ../../cli/src/test-support/run.js(5)",
        "no-layer packages/mystery/package.json:1 mystery(undefined) -> (undefined)",
        "name-mismatch packages/remote/package.json:2 remote(2) -> @stevedore/remote-target(undefined)",
        "same-layer packages/routing/package.json:5 routing(1) -> @stevedore/blob(1)",
        "same-layer packages/routing/src/index.ts:1 routing(1) -> @stevedore/blob(1)",
        "unknown-package packages/routing/src/index.ts:2 routing(1) -> @stevedore/nope(undefined)",
        "not-allowed packages/transfer/package.json:6 transfer(3) -> @stevedore/routing(1)",
        "not-allowed packages/transfer/src/copy.ts:2 transfer(3) -> @stevedore/routing(1)",
        "same-layer packages/transport/package.json:5 transport(1) -> @stevedore/auth(1)",
        "same-layer packages/transport/src/send.ts:2 transport(1) -> @stevedore/auth(1)",
        "same-layer packages/transport/src/send.ts:3 transport(1) -> @stevedore/auth/node(1)",
      ].sort(byFileAndLine),
    );
  });

  it("reports imports of workspace packages missing from package.json (test files may use devDependencies)", () => {
    const root = fakeRepository({
      core: {},
      auth: { files: { "src/basic.ts": 'import { UsageError } from "@stevedore/core";\n' } },
      blob: {
        devDependencies: ["@stevedore/core"],
        files: {
          "src/verify.ts": '\n\nexport { InvalidDigestError } from "@stevedore/core";\n',
          "src/verify.test.ts": 'import { InvalidDigestError } from "@stevedore/core";\n',
          "src/test-support/helpers.ts": 'import "@stevedore/core";\n',
        },
      },
    });
    expect(summary(checkLayers(root))).toEqual([
      "undeclared packages/auth/src/basic.ts:1 auth(1) -> @stevedore/core(0)",
      "undeclared packages/blob/src/verify.ts:3 blob(1) -> @stevedore/core(0)",
    ]);
  });

  it("lets only test files use the test-only package, as a devDependency, and it imports no package", () => {
    const root = fakeRepository({
      core: {
        devDependencies: ["@stevedore/testing"],
        files: {
          "src/parse.test.ts": 'import { uniqueName } from "@stevedore/testing";\n',
          "src/test-support/fixtures.ts": 'import { sha256 } from "@stevedore/testing";\n',
          "src/parse.ts": '\nimport { sha256 } from "@stevedore/testing";\n',
        },
      },
      cli: {
        dependencies: ["@stevedore/testing"],
        files: { "src/main.int.test.ts": 'import { startScriptedServer } from "@stevedore/testing";\n' },
      },
      testing: {
        dependencies: ["@stevedore/core"],
        files: { "src/index.ts": 'import "node:http";\nimport { digestOf } from "@stevedore/core";\n' },
      },
    });
    const violations = checkLayers(root);
    expect(summary(violations)).toEqual([
      "test-only packages/cli/package.json:4 cli(5) -> @stevedore/testing(0)",
      "test-only packages/core/src/parse.ts:2 core(0) -> @stevedore/testing(0)",
      "not-allowed packages/testing/package.json:4 testing(0) -> @stevedore/core(0)",
      "not-allowed packages/testing/src/index.ts:2 testing(0) -> @stevedore/core(0)",
    ]);
    expect(formatViolation(violations[1] as Violation)).toBe(
      "packages/core/src/parse.ts:2: core (L0) imports @stevedore/testing: only test files (*.test.ts, test-support/) may use it, as a devDependency",
    );
  });

  it("finds nothing in a repository that follows the layers", () => {
    const root = fakeRepository({
      core: {
        files: { "src/index.ts": 'export * from "./errors.js";\n', "src/errors.ts": "export class E {}\n" },
      },
      routing: {
        dependencies: ["@stevedore/core"],
        files: { "src/index.ts": 'import "@stevedore/core";\n' },
      },
      blob: {
        dependencies: ["@stevedore/core"],
        files: {
          "src/index.ts": 'import type { E } from "@stevedore/core";\n',
          "src/test-support/memory.ts": 'import "@stevedore/blob";\n',
        },
      },
      server: {
        dependencies: ["@stevedore/core", "@stevedore/routing", "@stevedore/blob"],
        files: {
          "src/serve.ts": 'import "@stevedore/routing";\nimport("@stevedore/blob");\n',
          "src/serve.test.ts": 'import { memory } from "../../blob/src/test-support/memory.js";\n',
        },
      },
      transfer: {
        dependencies: ["@stevedore/core", "@stevedore/blob"],
        files: { "src/a.ts": 'import "@stevedore/blob";\n' },
      },
      client: {
        dependencies: ["@stevedore/transfer", "@stevedore/server", "@stevedore/core"],
        files: { "src/index.ts": 'export * from "@stevedore/transfer";\nexport * from "@stevedore/core";\n' },
      },
      cli: {
        dependencies: ["@stevedore/client"],
        files: { "src/main.ts": 'import "@stevedore/client";\nimport "undici";\n' },
      },
    });
    expect(checkLayers(root)).toEqual([]);
  });

  it("finds nothing in this repository", () => {
    expect(checkLayers(repositoryRoot).map(formatViolation)).toEqual([]);
  });
});

describe("the README's package table", () => {
  it("gives every package the layer of tools/check-layers.ts, and no other package", () => {
    const readme = readFileSync(join(repositoryRoot, "README.md"), "utf8");
    expect(Object.fromEntries(readmeLayers(readme))).toEqual(
      Object.fromEntries(Object.entries(layerTable).map(([name, rule]) => [name, layerLabel(rule)])),
    );
    expect(checkReadmeTable(readme)).toEqual([]);
  });

  it("names a row on the wrong layer, a missing row and an unknown one", () => {
    const readme = [
      "| layer | package | what it does |",
      "| --- | --- | --- |",
      "| L0 | [`@stevedore/core`](packages/core) | digests |",
      "| L2 | [`@stevedore/blob`](packages/blob) | streams |",
      "| L3 | [`@stevedore/extra`](packages/extra) | ? |",
    ].join("\n");
    const table = { core: { layer: 0 }, blob: { layer: 1 }, auth: { layer: 1 } };
    expect(checkReadmeTable(readme, table)).toEqual([
      "README.md: the package table puts @stevedore/blob on L2; tools/check-layers.ts says L1",
      "README.md: the package table has no row for @stevedore/auth (L1)",
      "README.md: the package table lists @stevedore/extra, which has no layer in tools/check-layers.ts",
    ]);
  });
});

describe("the command line", () => {
  it("prints one line per violation and exits 1", () => {
    const root = fakeRepository({
      core: { files: { "src/index.ts": '\nimport { send } from "@stevedore/transport";\n' } },
      transport: { dependencies: ["@stevedore/core"] },
    });
    const run = spawnSync(process.execPath, [script, root], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr.split("\n")).toContain(
      "packages/core/src/index.ts:2: core (L0) imports @stevedore/transport (L1): a package may import lower layers only",
    );
    expect(run.stderr).toContain("check-layers: 1 violation");
  });

  it("exits 0 on a clean repository", () => {
    const root = fakeRepository({ core: {}, auth: { dependencies: ["@stevedore/core"] } });
    const run = spawnSync(process.execPath, [script, root], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});

describe("findImports", () => {
  it.each<[string, string[]]>([
    ['import a from "a";\nimport { b } from \'b\';\nimport "c";', ["1:a", "2:b", "3:c"]],
    [
      'import type { T } from "t";\nexport type { U } from "u";\nexport * as n from "n";',
      ["1:t", "2:u", "3:n"],
    ],
    ['import {\n  a,\n  b,\n} from "multi";', ["4:multi"]],
    ['const m = await import("dyn");\ntype X = typeof import("types");', ["1:dyn", "2:types"]],
    ['const r = require("cjs");', ["1:cjs"]],
    // Not imports: property names, object keys, import.meta, vi.mock.
    ['x.from("no"); y.import("no"); const o = { from: "no" }; import.meta.resolve("no"); vi.mock("no");', []],
    // Regular expressions and divisions with quotes and slashes in them.
    ['const r = /["\'`]/g;\nconst d = a / 2 / b;\nimport "after";', ["3:after"]],
    ['if (x) return /\\/\\*/.test(y);\nimport "after";', ["2:after"]],
    // Template literals, with nested code.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test
    ['const t = `a ${b ? `c ${d}` : "e"} from "no"`;\nimport "after";', ["2:after"]],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test
    ['const t = `${await import("inside")}`;', ["1:inside"]],
    // Comments, including ones that look like the end of others.
    [
      '/* import "no" */ // import "no"\n/**\n * ```ts\n * import "no";\n * ```\n */\nimport "yes";',
      ["7:yes"],
    ],
  ])("finds the imports of %j", (text, expected) => {
    expect(findImports(text).map((found) => `${found.line}:${found.specifier}`)).toEqual(expected);
  });
});

function byFileAndLine(a: string, b: string): number {
  const key = (line: string): [string, number] => {
    const [, location = ""] = line.split(" ");
    const colon = location.lastIndexOf(":");
    return [location.slice(0, colon), Number(location.slice(colon + 1))];
  };
  const [fileA, lineA] = key(a);
  const [fileB, lineB] = key(b);
  return fileA === fileB ? lineA - lineB : fileA < fileB ? -1 : 1;
}
