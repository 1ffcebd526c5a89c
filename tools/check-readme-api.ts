// Checks that each package README's API section matches what the package exports: every name exported by a
// public entry point (package.json `exports`, apart from `./internal`, which semver does not cover) is named
// in a code span of the README's "API" sections, and every name in the first column of a table headed
// `export` is exported by one of the package's entry points.
//
//   node tools/check-readme-api.ts [root]     (run by `pnpm layers`; exit 1 on a mismatch)
//
// Names are read from the entry files' `export` statements (`export { a, type B } from …`,
// `export function f`, …) without compiling anything. Node built-ins only.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** One disagreement between a README and its package's exports. */
export interface ReadmeApiMismatch {
  /** The package folder name (`remote`). */
  package: string;
  /** `unlisted`: exported, never named in the API section. `stale`: in an `export` table, not exported. */
  kind: "unlisted" | "stale";
  name: string;
}

const identifier = /[A-Za-z_$][\w$]*/;

/** The names exported by one TypeScript entry file (re-exports and declarations). */
export function exportedNames(source: string): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const item of (match[1] as string).split(",")) {
      const name = item
        .trim()
        .replace(/^type\s+/, "")
        .split(/\s+as\s+/)
        .pop();
      if (name !== undefined && name !== "") names.push(name);
    }
  }
  const declaration =
    /export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:const|let|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g;
  for (const match of source.matchAll(declaration)) names.push(match[1] as string);
  return names;
}

/** The lines of the README's `## API…` sections (not `## API reference`), up to the next `## ` heading. */
export function apiSections(readme: string): string[] {
  const lines: string[] = [];
  let inside = false;
  let fence = false;
  for (const line of readme.split("\n")) {
    if (line.trimStart().startsWith("```")) fence = !fence;
    if (!fence && /^##\s/.test(line)) inside = /^##\s+API\b/.test(line) && !/^##\s+API reference/.test(line);
    if (inside) lines.push(line);
  }
  return lines;
}

/**
 * Every identifier inside a code span or a fenced code block of `lines` (`createRemote(options)` names
 * `createRemote` and `options`). Prose is read as one text: a code span may run over a line break, as in
 * any Markdown paragraph.
 */
export function namedInCode(lines: readonly string[]): Set<string> {
  const names = new Set<string>();
  const words = (text: string) => {
    for (const word of text.matchAll(/[A-Za-z_$][\w$]*/g)) names.add(word[0]);
  };
  const prose: string[] = [];
  let fence = false;
  for (const line of lines) {
    if (line.trimStart().startsWith("```")) fence = !fence;
    else if (fence) words(line);
    else prose.push(line);
  }
  for (const span of prose.join("\n").matchAll(/`([^`]+)`/g)) words(span[1] as string);
  return names;
}

/** The leading names of the first-column code spans of tables whose header's first cell is `export`. */
export function exportTableNames(lines: readonly string[]): string[] {
  const names: string[] = [];
  let inExportTable = false;
  let previous = "";
  for (const line of lines) {
    const cells = line.startsWith("|") ? line.split("|").slice(1, -1) : undefined;
    if (cells === undefined) {
      inExportTable = false;
    } else if (!previous.startsWith("|")) {
      inExportTable = cells[0]?.trim() === "export";
    } else if (inExportTable && !/^[\s:-]+$/.test(cells[0] ?? "")) {
      for (const span of (cells[0] ?? "").matchAll(/`(?:type |interface |class |new )?([^`]*)`/g)) {
        const name = identifier.exec(span[1] as string)?.[0];
        if (name !== undefined) names.push(name);
      }
    }
    previous = line;
  }
  return names;
}

/** The entry files of a package: `{ public, all }` as `src/*.ts` paths, from package.json `exports`. */
function entryFiles(packageDirectory: string): { public: string[]; all: string[] } {
  const manifest = JSON.parse(readFileSync(join(packageDirectory, "package.json"), "utf8")) as {
    exports?: Record<string, unknown>;
  };
  const entries = { public: [] as string[], all: [] as string[] };
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const types =
      typeof target === "object" && target !== null ? (target as { types?: unknown }).types : undefined;
    if (typeof types !== "string") continue;
    const file = join(packageDirectory, types.replace(/^\.\/dist\//, "src/").replace(/\.d\.ts$/, ".ts"));
    if (!existsSync(file)) continue;
    entries.all.push(file);
    if (subpath !== "./internal") entries.public.push(file);
  }
  return entries;
}

/** Every mismatch between the packages under `root/packages` and their READMEs. */
export function checkReadmeApi(root: string): ReadmeApiMismatch[] {
  const mismatches: ReadmeApiMismatch[] = [];
  const packagesDirectory = join(root, "packages");
  for (const entry of readdirSync(packagesDirectory, { withFileTypes: true })) {
    const directory = join(packagesDirectory, entry.name);
    if (!entry.isDirectory() || !existsSync(join(directory, "package.json"))) continue;
    const readmeFile = join(directory, "README.md");
    const lines = existsSync(readmeFile) ? apiSections(readFileSync(readmeFile, "utf8")) : [];
    const files = entryFiles(directory);
    const names = (paths: string[]) =>
      new Set(paths.flatMap((file) => exportedNames(readFileSync(file, "utf8"))));
    const exported = names(files.public);
    const anywhere = names(files.all);
    const named = namedInCode(lines);
    for (const name of [...exported].sort()) {
      if (!named.has(name)) mismatches.push({ package: entry.name, kind: "unlisted", name });
    }
    for (const name of [...new Set(exportTableNames(lines))].sort()) {
      if (!anywhere.has(name)) mismatches.push({ package: entry.name, kind: "stale", name });
    }
  }
  return mismatches;
}

if (import.meta.main) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
  const mismatches = checkReadmeApi(root);
  for (const { package: name, kind, name: exportName } of mismatches) {
    const what =
      kind === "unlisted"
        ? "is exported but not named in the README's API section"
        : "is in the README's export table but not exported";
    process.stdout.write(`check-readme-api: packages/${name}: ${exportName} ${what}\n`);
  }
  if (mismatches.length > 0) process.exit(1);
  process.stdout.write("check-readme-api: every README's API section matches its package's exports\n");
}
