/**
 * Bundles the `stevedore` executable: src/bin.ts and everything it imports, undici included. dist/bin.js is
 * an ES module (the Node version check and the chunk loader, src/load-chunks.ts); the rest is CommonJS
 * chunks in dist/bin/ that the loader compiles on demand with code caches of its own — `start.cjs`
 * (start.ts and the malloc-arena restart), `main.cjs` (the CLI and @stevedore/core: enough for `--version`
 * and `--help`), `client.cjs` (the client and the packages under it) and `server.cjs` (`stevedore serve`).
 * Loading a few files instead of ~250 modules is most of the CLI's start-up. Runs after `tsc -b`, which
 * builds the library entry (dist/index.js) and, through the project references, the workspace packages
 * bundled here from their dist.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, defineConfig, type Plugin } from "rolldown";

/**
 * Which chunk a module goes to, by path, highest priority first; each group also takes the modules its own
 * modules import (rolldown's default), unless a group before it took them already. The client chunk comes
 * before the server chunk because a copy must not load the server: `serve` loads the client chunk instead
 * (for the few blob and routing helpers both use).
 */
const chunks: readonly { name: string; test: (id: string) => boolean }[] = [
  { name: "main", test: (id) => /[\\/]packages[\\/](cli|core)[\\/]/.test(id) },
  { name: "client", test: (id) => /[\\/](packages[\\/](?!server[\\/])[a-z-]+|node_modules)[\\/]/.test(id) },
  { name: "server", test: (id) => /[\\/]packages[\\/]server[\\/]/.test(id) },
];

const entry = fileURLToPath(new URL("./src/bin.ts", import.meta.url));
const source = (file: string): string => fileURLToPath(new URL(`./src/${file}`, import.meta.url));
/** The entry and its Node version check, alone in dist/bin.js: an old Node must be able to link it. */
const entryModules: ReadonlySet<string> = new Set([entry, source("node-version-problem.ts")]);
/** start.ts and the malloc-arena restart it runs first: the bin's `start.cjs`, the executable's `start.js`. */
const startModules: ReadonlySet<string> = new Set([source("start.ts"), source("one-malloc-arena.ts")]);
const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  version: string;
};

/**
 * What the bundle gives for `import … from "undici"`: the parts stevedore's packages use (transport, auth),
 * from undici's own files. undici's index loads everything it offers — fetch, WebSocket, EventSource,
 * caches, cookies, mocks — about half of its load time, none of which stevedore calls. `bundle.test.ts`
 * checks that every name the packages import from undici is here. Interceptors load when first used.
 */
const undiciParts: Readonly<Record<string, string>> = {
  Agent: "lib/dispatcher/agent.js",
  buildConnector: "lib/core/connect.js",
  Dispatcher: "lib/dispatcher/dispatcher.js",
  EnvHttpProxyAgent: "lib/dispatcher/env-http-proxy-agent.js",
};
const undiciInterceptors = [
  "cache",
  "decompress",
  "deduplicate",
  "dns",
  "dump",
  "redirect",
  "response-error",
  "retry",
];
/** The methods undici's index puts on every dispatcher (`lib/api/api-NAME.js`). */
const undiciApi = ["request", "stream", "pipeline", "upgrade", "connect"];
/** Names taken from a module's exports rather than being the module. */
const undiciNamed: Readonly<Record<string, string>> = {
  getGlobalDispatcher: "lib/global.js",
  setGlobalDispatcher: "lib/global.js",
};

const camel = (name: string): string =>
  name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** The names the bundle's undici offers, and the interceptors under `interceptors`. */
export const slimUndiciExports: { names: readonly string[]; interceptors: readonly string[] } = {
  names: [...Object.keys(undiciParts), ...Object.keys(undiciNamed), "interceptors"],
  interceptors: undiciInterceptors.map(camel),
};

/** The same undici the transport package resolves (the CLI does not depend on undici itself). */
const undiciDirectory = dirname(
  createRequire(fileURLToPath(new URL("../transport/package.json", import.meta.url))).resolve(
    "undici/package.json",
  ),
);

function slimUndici(): Plugin {
  const id = "\0stevedore-undici";
  const path = (file: string): string => JSON.stringify(join(undiciDirectory, file));
  const camel = (name: string): string =>
    name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  const source = [
    "'use strict';",
    `const Dispatcher = require(${path("lib/dispatcher/dispatcher.js")});`,
    // What undici's index does too, request(), stream()… on every dispatcher, each loaded with its first call.
    ...undiciApi.map(
      (name) =>
        `Dispatcher.prototype.${name} = function ${name}(...args) { ` +
        `return require(${path(`lib/api/api-${name}.js`)}).apply(this, args); };`,
    ),
    // Each part loads when first used: EnvHttpProxyAgent (and its SOCKS code) only with a proxy.
    ...Object.entries(undiciParts).map(
      ([name, file]) =>
        `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => require(${path(file)}) });`,
    ),
    ...Object.entries(undiciNamed).map(
      ([name, file]) =>
        `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => require(${path(file)}).${name} });`,
    ),
    "exports.interceptors = {};",
    ...undiciInterceptors.map(
      (name) =>
        `Object.defineProperty(exports.interceptors, ${JSON.stringify(camel(name))}, { enumerable: true, ` +
        `get: () => require(${path(`lib/interceptor/${name}.js`)}) });`,
    ),
  ].join("\n");
  return {
    name: "stevedore-slim-undici",
    resolveId: (specifier) => (specifier === "undici" ? id : null),
    load: (loading) => (loading === id ? { code: source, moduleType: "js" } : null),
    transform: {
      filter: { id: /undici[\\/]lib[\\/]dispatcher[\\/]client(-h1)?\.js$/ },
      handler(code, id) {
        if (/client-h1\.js$/.test(id)) {
          // undici carries two HTTP/1.1 parsers: llhttp, its default, and milo, used only when asked for
          // (`useMilo`, UNDICI_USE_MILO), which stevedore never does. Without parser-h1.js, milo's two
          // WebAssembly builds (as base64 text) stay out of the bundle.
          const milo = "require('./parser-h1.js')";
          if (!code.includes(milo)) {
            this.warn("undici's client-h1.js changed: its milo parser is bundled again");
            return null;
          }
          return { code: code.replace(milo, "({ H1Parser: undefined, getMiloEnabled: () => false })") };
        }
        // HTTP/2 connections only: client-h2.js loads node:http2 (with tls) as it loads, ~25 ms of every
        // start-up; here it loads with the first HTTP/2 connection. connectH2 is only ever called.
        const eager = "const connectH2 = require('./client-h2.js')";
        if (!code.includes(eager)) {
          this.warn("undici's client.js changed: client-h2.js (node:http2) is loaded eagerly again");
          return null;
        }
        const lazy = "let h2; const connectH2 = (...args) => (h2 ??= require('./client-h2.js'))(...args)";
        return { code: code.replace(eager, lazy) };
      },
    },
  };
}

/** Functions of node:tls that modules import statically, loaded on their first call. */
const lazyTlsFunctions = ["createSecureContext", "getCACertificates"];

/**
 * `import { … } from "node:tls"` (transport, for extra CA files) loads TLS with the client chunk, ~8 ms,
 * although plain HTTP and default certificates never call it: the bundle gets functions that load it on
 * first call. An import of anything else from node:tls fails the build (a missing export), so nothing is
 * silently wrong.
 */
function lazyTls(): Plugin {
  const id = "\0stevedore-lazy-tls";
  const source = [
    'import { createRequire } from "node:module";',
    "const load = () => createRequire(import.meta.url)('node:tls');",
    ...lazyTlsFunctions.map((name) => `export const ${name} = (...args) => load().${name}(...args);`),
  ].join("\n");
  return {
    name: "stevedore-lazy-tls",
    resolveId: (specifier, _importer, options) =>
      specifier === "node:tls" && options.kind === "import-statement" ? id : null,
    load: (loading) => (loading === id ? { code: source, moduleType: "js" } : null),
  };
}

/**
 * Built-in modules whose functions the chunks import load on the first call of one of them: node:crypto
 * takes longer to load than a `digest` of a registry image, which hashes nothing, spends in it. Importing
 * another name from these fails the build, so nothing is silently wrong.
 */
const lazyBuiltins: Readonly<Record<string, readonly string[]>> = {
  "node:crypto": ["createHash", "randomBytes", "randomUUID", "timingSafeEqual", "X509Certificate"],
};

/** `import { a, b as c } from "node:x";` as rolldown writes it at the top of an ES module chunk. */
const builtinImport = /^import \{([^}]*)\} from "(node:[a-z0-9_/]+)";$/gm;

/** A chunk's import of built-ins as a declaration that reads them from `process.getBuiltinModule`. */
function builtinDeclaration(names: string, specifier: string): string {
  const bindings = names
    .split(",")
    .map((binding) => binding.trim())
    .filter((binding) => binding !== "")
    .map((binding) => {
      const [name = binding, local = name] = binding.split(/\s+as\s+/);
      return { name, local };
    });
  const load = `process.getBuiltinModule(${JSON.stringify(specifier)})`;
  const lazy = lazyBuiltins[specifier];
  if (lazy === undefined) {
    const list = bindings.map(({ name, local }) => (name === local ? name : `${name}: ${local}`));
    return `const { ${list.join(", ")} } = ${load};`;
  }
  return bindings
    .map(({ name, local }) => {
      if (!lazy.includes(name)) throw new Error(`${specifier}: ${name} is not in lazyBuiltins`);
      // A function, not an arrow, so that `new X509Certificate(…)` constructs.
      return `function ${local}(...args) { const f = ${load}.${name}; return new.target ? new f(...args) : f(...args); }`;
    })
    .join(" ");
}

/**
 * An ES module import of a built-in gets the built-in's ES module facade, which reads every export once,
 * getters included: importing `node:fs` loads its streams, `node:crypto` its WebCrypto. Each chunk takes the
 * built-ins it names from `process.getBuiltinModule` instead, which reads only those names, and the
 * {@link lazyBuiltins} on first call (docs/decisions/0019-lighter-start.md).
 */
function builtinsWithoutFacade(): Plugin {
  return {
    name: "stevedore-builtins-without-facade",
    renderChunk(code) {
      const replaced = code.replace(builtinImport, (_, names: string, specifier: string) =>
        builtinDeclaration(names, specifier),
      );
      return replaced === code ? null : { code: replaced, map: null };
    },
  };
}

/**
 * A CommonJS chunk's `require` of a built-in in {@link lazyBuiltins} (`let node_crypto = require("node:crypto");`
 * as rolldown writes it), which would load it with the chunk.
 */
const builtinRequire = /^(?:let|const|var) (\w+) = require\("(node:[a-z0-9_/]+)"\);$/gm;

/**
 * The CommonJS chunks' {@link lazyBuiltins}: the namespace becomes an object of getters that load the
 * built-in on first use. A chunk that uses the namespace otherwise, or another of its names, fails the build.
 */
function lazyCommonJsBuiltins(): Plugin {
  return {
    name: "stevedore-lazy-commonjs-builtins",
    renderChunk(code) {
      const replaced = code.replace(builtinRequire, (line, local: string, specifier: string) => {
        const lazy = lazyBuiltins[specifier];
        if (lazy === undefined) return line;
        const uses = [...code.matchAll(new RegExp(`\\b${local}\\b(\\.\\w+)?`, "g"))].slice(1);
        for (const [use, member] of uses) {
          const name = member?.slice(1);
          if (name === undefined || !lazy.includes(name))
            throw new Error(`${specifier}: ${use} is not in lazyBuiltins`);
        }
        const load = `process.getBuiltinModule(${JSON.stringify(specifier)})`;
        return `const ${local} = { ${lazy.map((name) => `get ${name}() { return ${load}.${name}; }`).join(", ")} };`;
      });
      return replaced === code ? null : { code: replaced, map: null };
    },
  };
}

/**
 * The loaded chunks' text is ASCII, without doc comments: V8 keeps a source with any other character as
 * two bytes per character, which Node decodes several times slower, and every start reads the chunks whole
 * (docs/decisions/0027-ascii-chunks.md). Licence comments stay, their other characters escaped
 * ({@link asciiLegalComments}).
 */
const asciiText = { charset: "ascii", comments: { legal: true, annotation: false, jsdoc: false } } as const;

/** A licence comment (`/*! … *\/`) kept in a chunk. */
const legalComment = /\/\*![\s\S]*?\*\//g;

/**
 * Escapes what rolldown's `charset: "ascii"` leaves in comments: a character outside ASCII in a licence
 * comment becomes `\uXXXX` text.
 */
function asciiLegalComments(): Plugin {
  return {
    name: "stevedore-ascii-legal-comments",
    renderChunk(code) {
      const replaced = code.replace(legalComment, (comment) =>
        comment.replace(
          /[^\x00-\x7f]/g,
          (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
        ),
      );
      return replaced === code ? null : { code: replaced, map: null };
    },
  };
}

/** The chunk groups, each without `excluded` (the modules that go in the entry chunk). */
const chunkGroups = (
  groups: readonly { name: string; test: (id: string) => boolean }[],
  excluded: ReadonlySet<string>,
) =>
  groups.map(({ name, test }, index) => ({
    name,
    test: (id: string) => !excluded.has(id) && test(id),
    priority: groups.length + 1 - index,
  }));

/** What every build of the CLI's code shares; `cliVersion` is what `--version` prints. */
const sharedOptions = (cliVersion = version): BuildOptions => ({
  platform: "node",
  // `help` imports the command table dynamically to avoid an import cycle, not to split it off: quiet.
  checks: { ineffectiveDynamicImport: false },
  // `./main.js` in the CLI's sources names `./main.ts`; the other packages come built from their dist.
  resolve: { extensionAlias: { ".js": [".ts", ".js"] } },
  // `stevedore --version` (src/commands/version.ts): the chunks do not sit where package.json is expected.
  transform: { define: { STEVEDORE_VERSION: JSON.stringify(cliVersion) } },
});

/**
 * The bin's chunks (dist/bin/): start.ts and everything it imports as CommonJS, `start.cjs` (the entry),
 * `main.cjs`, `client.cjs`, `server.cjs` (and rolldown's helpers, `rolldown-runtime.cjs`). CommonJS because
 * src/load-chunks.ts compiles each with `vm.Script` and a code cache made after a run, which an ES module
 * cannot have (docs/decisions/0025-code-cache.md).
 */
export function binChunkOptions(directory: string, cliVersion?: string): BuildOptions {
  return {
    ...sharedOptions(cliVersion),
    input: { start: source("start.ts") },
    plugins: [slimUndici(), lazyTls(), lazyCommonJsBuiltins(), asciiLegalComments()],
    output: {
      dir: directory,
      format: "cjs",
      // `.cjs`: the package is `"type": "module"`, and without a cache Node's own loader requires them.
      entryFileNames: "[name].cjs",
      chunkFileNames: "[name].cjs",
      ...asciiText,
      sourcemap: true,
      codeSplitting: { groups: chunkGroups(chunks, startModules) },
    },
  };
}

/**
 * Builds the bin's chunks before dist/bin.js and gives bin.ts's `import("./start.js")` the loader instead:
 * it compiles `bin/start.cjs` and the chunks it requires, with their content hashes as the code caches' keys.
 */
function binChunks(directory: string, cliVersion?: string): Plugin {
  const id = "\0stevedore-bin-chunks";
  const loader = source("load-chunks.ts");
  let hashes: Record<string, string> = {};
  return {
    name: "stevedore-bin-chunks",
    async buildStart() {
      const { output } = await build({
        ...binChunkOptions(join(directory, "bin"), cliVersion),
        // Its warnings go through this build's, which the caller's log level governs.
        onLog: (level, log) => {
          if (level === "warn") this.warn(log);
        },
      });
      hashes = Object.fromEntries(
        output
          .filter((file) => file.type === "chunk")
          .map((file) => [file.fileName, createHash("sha256").update(file.code).digest("hex").slice(0, 16)]),
      );
    },
    resolveId: (specifier, importer) => (specifier === "./start.js" && importer === entry ? id : null),
    load: (loading) =>
      loading === id
        ? {
            code: [
              `import { codeCacheDirectory, loadChunks } from ${JSON.stringify(loader)};`,
              `const chunks = ${JSON.stringify({ entry: "start.cjs", hashes })};`,
              'const directory = process.getBuiltinModule("node:url").fileURLToPath(new URL("./bin/", import.meta.url));',
              // --debug maps stacks through the chunks' source maps, which Node reads for what its loader loads.
              'const cache = process.argv.includes("--debug") ? undefined : codeCacheDirectory(process.env);',
              "export const { start } = loadChunks(directory, chunks, cache);",
            ].join("\n"),
            moduleType: "js",
          }
        : null,
  };
}

/**
 * The bundle's options, for `rolldown -c` and for the tests that bundle into a temp folder (which may give
 * another version to print, to tell two builds apart).
 */
export function bundleOptions(directory: string, cliVersion?: string): BuildOptions {
  return {
    ...sharedOptions(cliVersion),
    input: { bin: entry },
    plugins: [binChunks(directory, cliVersion), builtinsWithoutFacade()],
    output: {
      dir: directory,
      format: "esm",
      entryFileNames: "[name].js",
      sourcemap: true,
      codeSplitting: false,
    },
  };
}

/**
 * The single executable's code (build-binary.ts): src/sea.ts and everything it imports as CommonJS chunks
 * in `directory` — `stevedore.js` (the entry, the CLI and core), `start.js`, `client.js`, `server.js`, split
 * as for the bin — which the executable carries as assets and loads on demand. CommonJS because a single
 * executable's loader can compile a function from text but has no way to link ES modules.
 */
export function seaChunkOptions(directory: string): BuildOptions {
  const sea = fileURLToPath(new URL("./src/sea.ts", import.meta.url));
  return {
    ...sharedOptions(),
    input: { stevedore: sea },
    plugins: [slimUndici(), lazyTls(), lazyCommonJsBuiltins(), asciiLegalComments()],
    output: {
      dir: directory,
      format: "cjs",
      ...asciiText,
      sourcemap: false,
      entryFileNames: "[name].js",
      chunkFileNames: "[name].js",
      codeSplitting: {
        groups: chunkGroups(
          [{ name: "start", test: (id: string) => startModules.has(id) }, ...chunks],
          entryModules,
        ),
      },
    },
  };
}

export default defineConfig(bundleOptions(fileURLToPath(new URL("./dist", import.meta.url))));
