export type { CliIo, OutputStream } from "./cli-io.js";
export type { ExitCodeEntry, ExitCodeValue } from "./exit-codes.js";
export { ExitCode, exitCodeFor, exitCodeTable } from "./exit-codes.js";
export { main } from "./main.js";
