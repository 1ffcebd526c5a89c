// Checks that imports between workspace packages point down the layer table below — the one source of the
// layers; the repository README's package table and DESIGN.md §2 are checked against it / copied from it.
//
//   node tools/check-layers.ts [root]     (CI runs it as `pnpm layers`; exit 1 on any violation)
//
// Reads every packages/*/package.json and every import, export-from, dynamic import() and require() in
// packages/*/src/**/*.ts (tests included) and reports, one line each:
// - a package directory with no layer in `layerTable`;
// - an import of @stevedore/<x> where x is on the importer's layer or above, or outside its allow-list;
// - an import of a workspace package missing from package.json (`dependencies`, `peerDependencies`,
//   `optionalDependencies`; test files may also use `devDependencies`), or of one that does not exist;
// - a package.json dependency on a workspace package that the layer table forbids;
// - a relative import that leaves the package, except test files importing another package's
//   src/test-support/ (still only downwards) or the repository's tools/ (registries, token server);
// - an import of a test-only package (@stevedore/testing) from a file that is not a test (`*.test.ts`,
//   `test-support/`), or a dependency on it outside `devDependencies`.
// - a row of the README's package table whose layer differs from `layerTable`, or a package missing there.
// Runs under Node's type stripping: erasable TypeScript only, Node built-ins only.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where a package sits: its layer, and when DESIGN.md narrows it, the only packages it may import. A
 * `testOnly` package serves tests on every layer: only test files import it, and it imports no package.
 */
export interface LayerRule {
  layer: number;
  allowed?: readonly string[];
  testOnly?: boolean;
}

/** The layer of each package under packages/, keyed by directory (= unscoped name); DESIGN.md §2 follows it. */
export const layerTable: Readonly<Record<string, LayerRule>> = {
  core: { layer: 0 },
  routing: { layer: 1 },
  transport: { layer: 1 },
  auth: { layer: 1 },
  blob: { layer: 1 },
  // "Streaming tar read/write … deterministic layers from directories, gzip/zstd." Node built-ins and core.
  tar: { layer: 1, allowed: ["core"] },
  layout: { layer: 2 },
  remote: { layer: 2 },
  // "An embedded OCI registry … Depends on core, routing, blob."
  server: { layer: 2, allowed: ["core", "routing", "blob"] },
  // "Push/pull orchestration over any two Targets … Depends on core and blob only."
  transfer: { layer: 3, allowed: ["core", "blob"] },
  // "append, mutate, flatten, export filesystem, read one file, over Targets." Like transfer: no I/O
  // package of its own, Targets come in from the caller.
  image: { layer: 3, allowed: ["core", "blob", "tar"] },
  // "Files ↔ artifact manifests, attach, referrer trees, index create/edit, over Targets."
  artifact: { layer: 3, allowed: ["core", "blob", "tar"] },
  client: { layer: 4 },
  cli: { layer: 5 },
  // "Test helpers shared by packages' tests … imported only by test files." Private, Node built-ins only.
  testing: { layer: 0, allowed: [], testOnly: true },
};

/** What rule an import or a package broke. */
export type ViolationKind =
  | "no-layer"
  | "name-mismatch"
  | "upward"
  | "same-layer"
  | "not-allowed"
  | "undeclared"
  | "unknown-package"
  | "relative-escape"
  | "test-only";

/** One broken rule, at a line of a file. */
export interface Violation {
  kind: ViolationKind;
  /** Path relative to the root, with "/" separators. */
  file: string;
  line: number;
  /** The package the file belongs to (its directory name). */
  importer: string;
  importerLayer: number | undefined;
  /** The specifier as written, or the dependency name. */
  imported: string;
  /** The imported workspace package (directory name), when there is one. */
  importedPackage: string | undefined;
  importedLayer: number | undefined;
}

interface PackageInfo {
  directory: string;
  absolute: string;
  manifestText: string;
  manifest: {
    name?: unknown;
    dependencies?: Record<string, unknown>;
    devDependencies?: Record<string, unknown>;
    peerDependencies?: Record<string, unknown>;
    optionalDependencies?: Record<string, unknown>;
  };
}

const scope = "@stevedore/";
const sourceFile = /\.(?:[cm]?ts|tsx)$/;
const testFile = /\.(?:test|spec|bench)\.(?:[cm]?ts|tsx)$/;
const testDirectories = new Set(["test-support", "__fixtures__", "__tests__"]);

/** Checks the monorepo at `root` and returns every violation, sorted by file and line. */
export function checkLayers(root: string): Violation[] {
  const packagesDirectory = join(root, "packages");
  const packages = new Map<string, PackageInfo>();
  for (const entry of readdirSync(packagesDirectory, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    packages.set(entry.name, readPackage(packagesDirectory, entry.name));
  }
  const violations: Violation[] = [];
  for (const info of packages.values()) {
    violations.push(...checkManifest(root, info, packages));
    const sourceDirectory = join(info.absolute, "src");
    if (!existsSync(sourceDirectory)) continue;
    for (const file of listSourceFiles(sourceDirectory)) {
      violations.push(...checkFile(root, info, file, packages));
    }
  }
  return violations.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

/** One line of the report: `file:line: importer (L0) imports @stevedore/x (L1): why`. */
export function formatViolation(violation: Violation): string {
  const where = `${violation.file}:${violation.line}`;
  const importer = `${violation.importer} (${layerName(violation.importerLayer)})`;
  const imported =
    violation.importedPackage === undefined
      ? violation.imported
      : violation.imported.startsWith(scope)
        ? `${violation.imported} (${layerName(violation.importedLayer)})`
        : `${violation.imported} (${violation.importedPackage}, ${layerName(violation.importedLayer)})`;
  switch (violation.kind) {
    case "no-layer":
      return `${where}: ${importer}: package directory has no layer in tools/check-layers.ts (DESIGN.md §2)`;
    case "name-mismatch":
      return `${where}: ${importer}: package.json name ${violation.imported} is not ${scope}${violation.importer}`;
    case "upward":
      return `${where}: ${importer} imports ${imported}: a package may import lower layers only`;
    case "same-layer":
      return `${where}: ${importer} imports ${imported}: packages on one layer never import each other`;
    case "not-allowed": {
      const allowed = layerTable[violation.importer]?.allowed?.join(", ") ?? "";
      const only = allowed === "" ? "no other package (Node built-ins only)" : `${allowed} only`;
      return `${where}: ${importer} imports ${imported}: ${violation.importer} may depend on ${only}`;
    }
    case "undeclared":
      return `${where}: ${importer} imports ${imported}: missing from its package.json dependencies`;
    case "unknown-package":
      return `${where}: ${importer} imports ${violation.imported}: no such package under packages/`;
    case "relative-escape":
      return `${where}: ${importer} imports ${imported}: a relative import must stay inside the package`;
    case "test-only":
      return `${where}: ${importer} imports ${violation.imported}: only test files (*.test.ts, test-support/) may use it, as a devDependency`;
  }
}

function layerName(layer: number | undefined): string {
  return layer === undefined ? "no layer" : `L${layer}`;
}

function readPackage(packagesDirectory: string, directory: string): PackageInfo {
  const absolute = join(packagesDirectory, directory);
  const manifestPath = join(absolute, "package.json");
  const manifestText = existsSync(manifestPath) ? readFileSync(manifestPath, "utf8") : "{}";
  let manifest: PackageInfo["manifest"];
  try {
    manifest = JSON.parse(manifestText) as PackageInfo["manifest"];
  } catch (error) {
    throw new Error(
      `${relative(process.cwd(), manifestPath)} is not valid JSON: ${(error as Error).message}`,
    );
  }
  return { directory, absolute, manifestText, manifest };
}

function checkManifest(root: string, info: PackageInfo, packages: Map<string, PackageInfo>): Violation[] {
  const file = toPosix(relative(root, join(info.absolute, "package.json")));
  const rule = layerTable[info.directory];
  const base = { file, importer: info.directory, importerLayer: rule?.layer };
  const violations: Violation[] = [];
  if (rule === undefined) {
    violations.push({
      ...base,
      kind: "no-layer",
      line: 1,
      imported: "",
      importedPackage: undefined,
      importedLayer: undefined,
    });
  }
  const name = info.manifest.name;
  if (name !== undefined && name !== `${scope}${info.directory}`) {
    violations.push({
      ...base,
      kind: "name-mismatch",
      line: lineOf(info.manifestText, '"name"'),
      imported: String(name),
      importedPackage: undefined,
      importedLayer: undefined,
    });
  }
  const fields = ["dependencies", "peerDependencies", "optionalDependencies", "devDependencies"] as const;
  for (const field of fields) {
    for (const dependency of Object.keys(info.manifest[field] ?? {})) {
      if (!dependency.startsWith(scope)) continue;
      const line = lineOf(info.manifestText, JSON.stringify(dependency));
      const testOnly = layerTable[packageOf(dependency)]?.testOnly === true && field !== "devDependencies";
      const kind = testOnly ? "test-only" : judge(info.directory, packageOf(dependency), packages);
      if (kind !== undefined) violations.push(describe(base, kind, line, dependency, packageOf(dependency)));
    }
  }
  return violations;
}

function checkFile(
  root: string,
  info: PackageInfo,
  file: string,
  packages: Map<string, PackageInfo>,
): Violation[] {
  const text = readFileSync(file, "utf8");
  const relativeFile = toPosix(relative(root, file));
  const isTest = isTestFile(relative(info.absolute, file));
  const base = {
    file: relativeFile,
    importer: info.directory,
    importerLayer: layerTable[info.directory]?.layer,
  };
  const violations: Violation[] = [];
  for (const { specifier, line } of findImports(text)) {
    if (specifier.startsWith(".")) {
      const target = resolve(dirname(file), specifier);
      if (target === info.absolute || target.startsWith(info.absolute + sep)) continue;
      // Tests may use the repository's test infrastructure (real registries, the token server) in tools/.
      if (isTest && target.startsWith(join(root, "tools") + sep)) continue;
      const other = testSupportPackage(root, target);
      if (isTest && other !== undefined && packages.has(other)) {
        // A test may borrow another package's test helpers, but only from lower layers.
        const kind = judgeLayers(info.directory, other);
        if (kind !== undefined) violations.push(describe(base, kind, line, specifier, other));
        continue;
      }
      violations.push(describe(base, "relative-escape", line, specifier, packageDirectoryOf(root, target)));
      continue;
    }
    if (!specifier.startsWith(scope)) continue;
    const imported = packageOf(specifier);
    if (imported === info.directory) continue; // a package importing itself by name
    const testOnly = layerTable[imported]?.testOnly === true;
    const kind =
      testOnly && !isTest
        ? "test-only"
        : (judge(info.directory, imported, packages) ?? declared(info, `${scope}${imported}`, isTest));
    if (kind !== undefined) violations.push(describe(base, kind, line, specifier, imported));
  }
  return violations;
}

function describe(
  base: { file: string; importer: string; importerLayer: number | undefined },
  kind: ViolationKind,
  line: number,
  imported: string,
  importedPackage: string | undefined,
): Violation {
  const importedLayer = importedPackage === undefined ? undefined : layerTable[importedPackage]?.layer;
  return { ...base, kind, line, imported, importedPackage, importedLayer };
}

/** The layer verdict for `importer` using workspace package `imported`, or `undefined` when fine. */
function judge(
  importer: string,
  imported: string,
  packages: Map<string, PackageInfo>,
): ViolationKind | undefined {
  if (!packages.has(imported)) return "unknown-package";
  return judgeLayers(importer, imported);
}

function judgeLayers(importer: string, imported: string): ViolationKind | undefined {
  const from = layerTable[importer];
  const to = layerTable[imported];
  // A package without a layer is reported once, as "no-layer"; its imports cannot be judged.
  if (from === undefined || to === undefined) return undefined;
  // A test-only package imports none; it serves every layer, and the caller judges whether the file is a test.
  if (from.testOnly === true) return "not-allowed";
  if (to.testOnly === true) return undefined;
  if (to.layer > from.layer) return "upward";
  if (to.layer === from.layer) return "same-layer";
  if (from.allowed !== undefined && !from.allowed.includes(imported)) return "not-allowed";
  return undefined;
}

function declared(info: PackageInfo, name: string, isTest: boolean): ViolationKind | undefined {
  const { dependencies, peerDependencies, optionalDependencies, devDependencies } = info.manifest;
  const fields = [dependencies, peerDependencies, optionalDependencies, ...(isTest ? [devDependencies] : [])];
  return fields.some((field) => field !== undefined && Object.hasOwn(field, name)) ? undefined : "undeclared";
}

/** `@stevedore/core/sub` → `core`. */
function packageOf(specifier: string): string {
  return specifier.slice(scope.length).split("/")[0] ?? "";
}

/** The package directory whose src/test-support/ holds `target`, if any. */
function testSupportPackage(root: string, target: string): string | undefined {
  const parts = toPosix(relative(join(root, "packages"), target)).split("/");
  return parts.length > 3 && parts[1] === "src" && parts[2] === "test-support" ? parts[0] : undefined;
}

function packageDirectoryOf(root: string, target: string): string | undefined {
  const parts = toPosix(relative(join(root, "packages"), target)).split("/");
  return parts[0] !== undefined && parts[0] !== ".." && parts[0] !== "" && parts.length > 1
    ? parts[0]
    : undefined;
}

function isTestFile(pathInPackage: string): boolean {
  const parts = toPosix(pathInPackage).split("/");
  return testFile.test(parts[parts.length - 1] ?? "") || parts.some((part) => testDirectories.has(part));
}

function listSourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "dist") files.push(...listSourceFiles(path));
    } else if (sourceFile.test(entry.name) && statSync(path).isFile()) {
      files.push(path);
    }
  }
  return files.sort();
}

function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  return at === -1 ? 1 : text.slice(0, at).split("\n").length;
}

function toPosix(path: string): string {
  return path.split(sep).join("/");
}

/** A module specifier found in source text, with the line it is on. */
export interface FoundImport {
  specifier: string;
  line: number;
}

// Keywords after which a "/" starts a regular expression rather than a division.
const regexAfterWord = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/**
 * Finds the module specifiers of `import … from "x"`, `import "x"`, `export … from "x"`, `import("x")`
 * (also in types) and `require("x")`, skipping comments, strings, template text and regular expressions,
 * so an import written in a JSDoc example does not count.
 */
export function findImports(text: string): FoundImport[] {
  const found: FoundImport[] = [];
  // Significant tokens so far: the last two decide what a string literal or "/" means.
  let previous = "";
  let beforePrevious = "";
  let line = 1;
  let at = 0;
  // Brace stack: "{" for code blocks, "`" for the `${` of a template literal.
  const braces: string[] = [];

  const push = (token: string): void => {
    beforePrevious = previous;
    previous = token;
  };
  const skipString = (quote: string): string => {
    const start = at + 1;
    at++;
    while (at < text.length && text[at] !== quote && text[at] !== "\n") {
      if (text[at] === "\\") at++;
      at++;
    }
    const value = text.slice(start, at);
    if (text[at] === quote) at++;
    return value;
  };
  // Scans template text up to the closing backtick or a "${"; returns true when it stopped at "${".
  const skipTemplateText = (): boolean => {
    while (at < text.length) {
      const char = text[at];
      if (char === "\\") {
        at += 2;
        continue;
      }
      if (char === "\n") line++;
      if (char === "`") {
        at++;
        return false;
      }
      if (char === "$" && text[at + 1] === "{") {
        at += 2;
        braces.push("`");
        return true;
      }
      at++;
    }
    return false;
  };

  while (at < text.length) {
    const char = text[at] as string;
    if (char === "\n") {
      line++;
      at++;
    } else if (char === " " || char === "\t" || char === "\r") {
      at++;
    } else if (char === "/" && text[at + 1] === "/") {
      while (at < text.length && text[at] !== "\n") at++;
    } else if (char === "/" && text[at + 1] === "*") {
      const end = text.indexOf("*/", at + 2);
      const stop = end === -1 ? text.length : end + 2;
      for (let index = at; index < stop; index++) if (text[index] === "\n") line++;
      at = stop;
    } else if (char === '"' || char === "'") {
      const stringLine = line;
      const value = skipString(char);
      const isSpecifier =
        previous === "from" ||
        previous === "import" ||
        (previous === "(" && (beforePrevious === "import" || beforePrevious === "require"));
      if (isSpecifier) found.push({ specifier: value, line: stringLine });
      push("string");
    } else if (char === "`") {
      at++;
      if (!skipTemplateText()) push("template");
      else push("${");
    } else if (char === "}" && braces[braces.length - 1] === "`") {
      braces.pop();
      at++;
      if (!skipTemplateText()) push("template");
      else push("${");
    } else if (char === "/") {
      // After an operator, an opening bracket or a keyword such as `return`, "/" starts a regular
      // expression; after a name, a literal, ")" or "]" it divides.
      const startsRegex =
        previous === "" || previous === "${" || /^[^\w)\]]$/.test(previous) || regexAfterWord.has(previous);
      if (startsRegex) {
        at++;
        let inClass = false;
        while (at < text.length && text[at] !== "\n") {
          const inner = text[at];
          if (inner === "\\") at++;
          else if (inner === "[") inClass = true;
          else if (inner === "]") inClass = false;
          else if (inner === "/" && !inClass) break;
          at++;
        }
        at++;
        while (at < text.length && /[a-z]/i.test(text[at] as string)) at++;
        push("regex");
      } else {
        at++;
        push("/");
      }
    } else if (/[A-Za-z_$]/.test(char)) {
      const start = at;
      while (at < text.length && /[\w$]/.test(text[at] as string)) at++;
      const word = text.slice(start, at);
      // A word after "." is a property name (`x.from`, `import.meta`), never a keyword: mark it so.
      push(previous === "." ? `.${word}` : word);
    } else if (/\d/.test(char)) {
      while (at < text.length && /[\w.]/.test(text[at] as string)) at++;
      push("number");
    } else {
      if (char === "{") braces.push("{");
      else if (char === "}") braces.pop();
      at++;
      push(char);
    }
  }
  return found;
}

/** How the README's package table names a layer: `L1`, or `tests` for a test-only package. */
export function layerLabel(rule: LayerRule): string {
  return rule.testOnly === true ? "tests" : `L${rule.layer}`;
}

/**
 * The rows of a README's package table (`| L1 | [\`@stevedore/x\`](packages/x) | … |`, or without the link
 * for a private package): package → layer label (`L1`, `tests`).
 */
export function readmeLayers(markdown: string): Map<string, string> {
  const rows = new Map<string, string>();
  // A private package is named without a link: the API reference leaves it out.
  for (const match of markdown.matchAll(/^\| (L\d+|tests) \| \[?`@stevedore\/([a-z0-9-]+)`/gm)) {
    rows.set(match[2] as string, match[1] as string);
  }
  return rows;
}

/** Where the README's package table disagrees with `layerTable`, one line each (none when it agrees). */
export function checkReadmeTable(
  markdown: string,
  table: Readonly<Record<string, LayerRule>> = layerTable,
): string[] {
  const rows = readmeLayers(markdown);
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(table)) {
    const layer = rows.get(name);
    const expected = layerLabel(rule);
    if (layer === undefined)
      problems.push(`README.md: the package table has no row for @stevedore/${name} (${expected})`);
    else if (layer !== expected)
      problems.push(
        `README.md: the package table puts @stevedore/${name} on ${layer}; tools/check-layers.ts says ${expected}`,
      );
  }
  for (const name of rows.keys()) {
    if (!Object.hasOwn(table, name))
      problems.push(
        `README.md: the package table lists @stevedore/${name}, which has no layer in tools/check-layers.ts`,
      );
  }
  return problems;
}

if (import.meta.main) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
  const violations = checkLayers(root);
  for (const violation of violations) console.error(formatViolation(violation));
  const readme = join(root, "README.md");
  const tableProblems = existsSync(readme) ? checkReadmeTable(readFileSync(readme, "utf8")) : [];
  for (const problem of tableProblems) console.error(problem);
  if (tableProblems.length > 0) process.exitCode = 1;
  if (violations.length > 0) {
    console.error(`check-layers: ${violations.length} violation${violations.length === 1 ? "" : "s"}`);
    process.exitCode = 1;
  } else if (tableProblems.length === 0) {
    console.log("check-layers: every import points down the layer table");
  }
}
