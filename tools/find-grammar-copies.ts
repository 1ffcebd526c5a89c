// Finds a grammar written twice: the same anchored regular-expression literal (`/^…$/`) in the sources of two
// workspace packages. A pure rule two packages need lives once, in core (DESIGN.md §2); copies drift.
//
//   node tools/find-grammar-copies.ts [root]     (run by `pnpm layers`; exit 1 on a copy)
//
// Literals are compared after sorting the ranges inside each character class (`[A-Za-z0-9_]` and
// `[a-zA-Z0-9_]` are one grammar). Literals shorter than `minimumLength` are idioms (`/^https?:\/\//`), not
// grammars. Test files and test-support folders are not read. Node built-ins only.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Shorter literals (between the slashes) are idioms rather than grammars. */
export const minimumLength = 16;

/** One grammar literal found in more than one package, with where it stands. */
export interface GrammarCopy {
  literal: string;
  /** `packages/x/src/file.ts:line`, one per occurrence, sorted. */
  places: string[];
}

// A regular-expression literal that starts with `^`: `/` not after a name, digit, `)` or `]`.
const anchoredLiteral = /(?<![\w)\]$])\/(\^(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+)\/[dgimsuyv]*/g;

/** `literal` with the members of each character class in a fixed order. */
export function canonicalGrammar(literal: string): string {
  return literal.replace(/\[(\^?)((?:\\.|[^\]\\])*)\]/g, (_whole, negated: string, body: string) => {
    const members: string[] = body.match(/\\.-\\.|\\.-.|.-\\.|[^\\]-[^\\\]]|\\.|./g) ?? [];
    // A "-" first or last is a literal dash: keep it last.
    const sorted = members.filter((member) => member !== "-").sort();
    return `[${negated}${sorted.join("")}${members.includes("-") ? "-" : ""}]`;
  });
}

/** The anchored regular-expression literals of `text`, each with its line. */
export function grammarLiterals(text: string): { literal: string; line: number }[] {
  const found: { literal: string; line: number }[] = [];
  for (const line of text.split("\n").entries()) {
    const code = line[1].trimStart();
    if (code.startsWith("//") || code.startsWith("*") || code.startsWith("/*")) continue;
    for (const match of line[1].matchAll(anchoredLiteral)) {
      const literal = match[1] as string;
      if (literal.length >= minimumLength) found.push({ literal, line: line[0] + 1 });
    }
  }
  return found;
}

/** Every grammar literal that stands in the sources of two or more packages under `root/packages`. */
export function findGrammarCopies(root: string): GrammarCopy[] {
  const packagesDirectory = join(root, "packages");
  const byLiteral = new Map<string, { literal: string; packages: Set<string>; places: string[] }>();
  for (const entry of readdirSync(packagesDirectory, { withFileTypes: true })) {
    const source = join(packagesDirectory, entry.name, "src");
    if (!entry.isDirectory() || !existsSync(source)) continue;
    for (const file of sourceFiles(source)) {
      for (const { literal, line } of grammarLiterals(readFileSync(file, "utf8"))) {
        const key = canonicalGrammar(literal);
        const record = byLiteral.get(key) ?? { literal, packages: new Set<string>(), places: [] };
        record.packages.add(entry.name);
        record.places.push(`${relative(root, file).split(sep).join("/")}:${line}`);
        byLiteral.set(key, record);
      }
    }
  }
  const copies = [...byLiteral.values()]
    .filter((record) => record.packages.size > 1)
    .map((record) => ({ literal: record.literal, places: record.places.sort() }));
  return [...copies, ...findCoreGrammarInside(root)];
}

/**
 * Core's grammars (`packages/core/src/grammar.ts`) written inside a longer literal elsewhere (a path pattern
 * that spells out the digest algorithm grammar, say): the body of each, between `^` and `$`, anywhere in
 * another package's source text.
 */
function findCoreGrammarInside(root: string): GrammarCopy[] {
  const grammarFile = join(root, "packages", "core", "src", "grammar.ts");
  if (!existsSync(grammarFile)) return [];
  const bodies = grammarLiterals(readFileSync(grammarFile, "utf8")).map(({ literal }) =>
    literal.replace(/^\^/, "").replace(/\$$/, ""),
  );
  const copies: GrammarCopy[] = [];
  const packagesDirectory = join(root, "packages");
  for (const entry of readdirSync(packagesDirectory, { withFileTypes: true })) {
    const source = join(packagesDirectory, entry.name, "src");
    if (entry.name === "core" || !entry.isDirectory() || !existsSync(source)) continue;
    for (const file of sourceFiles(source)) {
      const text = readFileSync(file, "utf8");
      for (const { literal, line } of grammarLiterals(text)) {
        const canonical = canonicalGrammar(literal);
        const body = bodies.find((candidate) => canonical.includes(canonicalGrammar(candidate)));
        if (body === undefined) continue;
        copies.push({
          literal: body,
          places: [`${relative(root, file).split(sep).join("/")}:${line}`, "packages/core/src/grammar.ts"],
        });
      }
    }
  }
  return copies;
}

function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!["node_modules", "dist", "test-support", "__fixtures__"].includes(entry.name))
        files.push(...sourceFiles(path));
    } else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      files.push(path);
    }
  }
  return files.sort();
}

if (import.meta.main) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
  const copies = findGrammarCopies(root);
  for (const copy of copies) {
    console.error(`/${copy.literal}/ is written in ${copy.places.join(", ")}: keep it once, in core`);
  }
  if (copies.length > 0) process.exitCode = 1;
  else console.log("find-grammar-copies: every grammar literal stands in one package");
}
