import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalGrammar, findGrammarCopies, grammarLiterals } from "./find-grammar-copies.ts";

const repositoryRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const temporary: string[] = [];

afterAll(() => {
  for (const directory of temporary) rmSync(directory, { recursive: true, force: true });
});

function fakeRepository(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "grammar-copies-"));
  temporary.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("findGrammarCopies", () => {
  it("finds no grammar written in two packages of this repository", () => {
    expect(findGrammarCopies(repositoryRoot)).toEqual([]);
  });

  it("reports the same grammar in two packages, whatever the order inside its character classes", () => {
    const root = fakeRepository({
      "packages/routing/src/grammar.ts": "const tag = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;\n",
      "packages/blob/src/target.ts": "\n\nconst tagGrammar = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;\n",
      "packages/blob/src/target.test.ts": "const copy = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;\n",
      "packages/cli/src/url.ts": "const isUrl = /^https?:\\/\\//i.test(input);\n",
      "packages/client/src/url.ts": "const isUrl = /^https?:\\/\\//i.test(input);\n",
    });
    expect(findGrammarCopies(root)).toEqual([
      {
        literal: "^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$",
        places: ["packages/blob/src/target.ts:3", "packages/routing/src/grammar.ts:1"],
      },
    ]);
  });

  it("reports core's grammar spelt out inside a longer literal of another package", () => {
    const root = fakeRepository({
      "packages/core/src/grammar.ts": "const algorithm = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;\n",
      "packages/layout/src/names.ts": "const blob = /^blobs\\/([a-z0-9]+(?:[+._-][a-z0-9]+)*)\\/(\\w+)$/;\n",
    });
    expect(findGrammarCopies(root)).toEqual([
      {
        literal: "[a-z0-9]+(?:[+._-][a-z0-9]+)*",
        places: ["packages/layout/src/names.ts:1", "packages/core/src/grammar.ts"],
      },
    ]);
  });
});

describe("grammarLiterals", () => {
  it("reads anchored literals, not divisions, comments or short idioms", () => {
    const text = [
      "const a = x / y; const b = /^[a-z0-9]+(?:[._]|__|-+)[a-z0-9]+$/u;",
      "// const c = /^[a-z0-9]+(?:[._]|__|-+)[a-z0-9]+$/;",
      'const d = /^https?:\\/\\//i; const e = "/^not a literal$/ in a string";',
    ].join("\n");
    expect(grammarLiterals(text)).toEqual([{ literal: "^[a-z0-9]+(?:[._]|__|-+)[a-z0-9]+$", line: 1 }]);
  });

  it("treats the members of a character class as a set", () => {
    expect(canonicalGrammar("^[A-Za-z0-9_-]$")).toBe(canonicalGrammar("^[a-zA-Z0-9-_]$"));
    expect(canonicalGrammar("^[a-z]$")).not.toBe(canonicalGrammar("^[^a-z]$"));
  });
});
