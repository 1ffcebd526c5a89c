import type { CommandDefinition } from "./command-definition.js";
import { appendCommand } from "./commands/append.js";
import { artifactCommand } from "./commands/artifact.js";
import { attachCommand } from "./commands/attach.js";
import { blobCommand } from "./commands/blob.js";
import { catalogCommand } from "./commands/catalog.js";
import { createCompletionCommand } from "./commands/completion.js";
import { configCommand } from "./commands/config.js";
import { copyCommand } from "./commands/copy.js";
import { deleteCommand } from "./commands/delete.js";
import { digestCommand } from "./commands/digest.js";
import { exportCommand } from "./commands/export.js";
import { flattenCommand } from "./commands/flatten.js";
import { getFileCommand } from "./commands/get-file.js";
import { createHelpCommand } from "./commands/help.js";
import { indexCommand } from "./commands/index.js";
import { inspectCommand } from "./commands/inspect.js";
import { loginCommand } from "./commands/login.js";
import { logoutCommand } from "./commands/logout.js";
import { lsCommand } from "./commands/ls.js";
import { manifestCommand } from "./commands/manifest.js";
import { mutateCommand } from "./commands/mutate.js";
import { pullCommand } from "./commands/pull.js";
import { pushCommand } from "./commands/push.js";
import { referrersCommand } from "./commands/referrers.js";
import { serveCommand } from "./commands/serve.js";
import { tagCommand } from "./commands/tag.js";
import { untagCommand } from "./commands/untag.js";
import { versionCommand } from "./commands/version.js";

const completionCommand = createCompletionCommand(() => commandTable);
const helpCommand = createHelpCommand(() => commandTable, findCommand);

/** Every command, in the order `stevedore --help` lists them. */
export const commandTable: readonly CommandDefinition[] = [
  loginCommand,
  logoutCommand,
  catalogCommand,
  lsCommand,
  manifestCommand,
  configCommand,
  digestCommand,
  blobCommand,
  inspectCommand,
  pullCommand,
  pushCommand,
  copyCommand,
  tagCommand,
  untagCommand,
  deleteCommand,
  referrersCommand,
  appendCommand,
  mutateCommand,
  flattenCommand,
  exportCommand,
  getFileCommand,
  artifactCommand,
  attachCommand,
  indexCommand,
  serveCommand,
  completionCommand,
  versionCommand,
  helpCommand,
];

/** The command called `name` or one of its aliases (`cp` → copy). */
export function findCommand(name: string): CommandDefinition | undefined {
  return commandTable.find((command) => command.name === name || command.aliases?.includes(name));
}
