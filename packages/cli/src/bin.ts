#!/usr/bin/env node
/**
 * The `stevedore` executable's first module. It checks the Node.js version before anything else loads: an
 * older Node cannot link the rest (start.ts imports APIs of Node 22) and would die with a SyntaxError and a
 * stack. So this module imports nothing but the check, which any Node with ES modules can run, and loads
 * the CLI with a dynamic import only when the version is new enough.
 */
import { nodeVersionProblem } from "./node-version-problem.js";

const problem = nodeVersionProblem(process.versions.node, process.execPath, process.platform, process.arch);
if (problem === undefined) {
  const { start } = await import("./start.js");
  await start();
} else {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
}
