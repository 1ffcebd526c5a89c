/**
 * The Node.js check that runs before anything else of the `stevedore` executable (src/bin.ts). An older Node
 * cannot link the rest (`process.getBuiltinModule`, `process.execve` and undici 8's needs arrive in 22.x), and would
 * die with a SyntaxError and a stack; instead it gets one line saying what to do. Kept to syntax and APIs
 * any Node with ES modules has: this module is parsed and run by that older Node.
 */

/** The oldest Node.js the CLI runs on: package.json's `engines.node` (a test keeps them equal). */
export const minimumNodeVersion = "22.19.0";

/**
 * One line for a Node.js older than {@link minimumNodeVersion}, naming the version needed, the one running
 * (and where it is) and how to get a newer one; `undefined` when `version` is new enough.
 *
 * @example
 * nodeVersionProblem("20.20.2", "/usr/bin/node", "linux", "x64");
 * // "stevedore: needs Node.js 22.19.0 or newer, but /usr/bin/node is Node.js 20.20.2: …"
 */
export function nodeVersionProblem(
  version: string,
  execPath: string,
  platform: string,
  arch: string,
): string | undefined {
  if (!isOlder(version, minimumNodeVersion)) return undefined;
  return (
    "stevedore: needs Node.js " +
    minimumNodeVersion +
    " or newer, but " +
    execPath +
    " is Node.js " +
    version +
    ": in a stevedore checkout run '. tools/node-env.sh' (it fetches Node 24 into a cache), " +
    "otherwise install Node.js 24 LTS from nodejs.org or the npm package node-" +
    platform +
    "-" +
    arch +
    "@24"
  );
}

function isOlder(version: string, minimum: string): boolean {
  const have = version.split(".").map((part) => Number.parseInt(part, 10) || 0);
  const want = minimum.split(".").map((part) => Number.parseInt(part, 10));
  for (let index = 0; index < want.length; index++) {
    const a = have[index] || 0;
    const b = want[index] || 0;
    if (a !== b) return a < b;
  }
  return false;
}
