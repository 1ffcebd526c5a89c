/**
 * `stevedore completion`: the bash script runs in a real bash (its completion function called the way bash
 * calls it on Tab), the zsh and fish scripts are checked for every command and flag of the table.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandDefinition } from "./command-definition.js";
import { commandTable } from "./command-table.js";
import { completionScript } from "./completion-script.js";
import { globalFlags } from "./global-options.js";
import { runCli } from "./test-support/fake-io.js";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "stevedore-completion-"));
  await mkdir(join(directory, "layout-dir"));
  await writeFile(join(directory, "cert.pem"), "");
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** What bash offers for the command line `words` (the last word is the one being completed). */
function complete(script: string, words: readonly string[]): string[] {
  const quoted = words.map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(" ");
  const result = spawnSync(
    "bash",
    [
      "--norc",
      "-c",
      `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _stevedore; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { cwd: directory, encoding: "utf8" },
  );
  expect(result.stderr).toBe("");
  return result.stdout.split("\n").filter((line) => line !== "");
}

const bash = completionScript("bash", commandTable, globalFlags);

describe("stevedore completion bash", () => {
  it("completes commands, then the command's flags and the global ones", () => {
    expect(complete(bash, ["stevedore", "pu"]).sort()).toEqual(["pull", "push"]);
    expect(complete(bash, ["stevedore", "--debug", "ver"])).toEqual(["version"]);
    expect(complete(bash, ["stevedore", "serve", "--po"])).toEqual(["--port"]);
    expect(complete(bash, ["stevedore", "pull", "--platf"])).toEqual(["--platform"]);
    expect(complete(bash, ["stevedore", "--platform", "linux/arm64", "inspe"])).toEqual(["inspect"]);
  });

  it("completes local paths where an argument or a flag's value is one, and nothing for a reference", () => {
    expect(complete(bash, ["stevedore", "push", "./lay"])).toEqual(["./layout-dir"]);
    expect(complete(bash, ["stevedore", "pull", "alpine", "lay"])).toEqual(["layout-dir"]);
    expect(complete(bash, ["stevedore", "ls", "./lay"])).toEqual([]);
    expect(complete(bash, ["stevedore", "push", "--ca-file", "ce"])).toEqual(["cert.pem"]);
    expect(complete(bash, ["stevedore", "serve", "--dir", "./"]).sort()).toEqual([
      "./cert.pem",
      "./layout-dir",
    ]);
    expect(complete(bash, ["stevedore", "pull", "--platform", "li"])).toEqual([]);
  });

  it("completes command names after help and shells after completion", () => {
    expect(complete(bash, ["stevedore", "help", "pu"]).sort()).toEqual(["pull", "push"]);
    expect(complete(bash, ["stevedore", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
  });

  it("is made from the command table: a new command and its flags complete without other changes", () => {
    const frobnicate: CommandDefinition = {
      name: "frobnicate",
      aliases: ["frob"],
      summary: "frobnicate a thing",
      arguments: [{ name: "PATH" }],
      flags: [{ name: "wobble", type: "string", valueName: "FILE", description: "a wobble file" }],
      description: "",
      examples: [],
      run: async () => {},
    };
    const script = completionScript("bash", [...commandTable, frobnicate], globalFlags);
    expect(complete(script, ["stevedore", "fro"]).sort()).toEqual(["frob", "frobnicate"]);
    expect(complete(script, ["stevedore", "frob", "--wob"])).toEqual(["--wobble"]);
    expect(complete(script, ["stevedore", "frobnicate", "--wobble", "ce"])).toEqual(["cert.pem"]);
  });
});

describe("stevedore completion zsh and fish", () => {
  it.each(["zsh", "fish"] as const)("%s names every command and every flag", (shell) => {
    const script = completionScript(shell, commandTable, globalFlags);
    for (const command of commandTable) expect(script).toContain(command.name);
    for (const flag of [...globalFlags, ...commandTable.flatMap((command) => command.flags ?? [])]) {
      expect(script).toMatch(shell === "fish" ? `-l ${flag.name}` : `--${flag.name}`);
    }
  });

  it("zsh loads the bash function through bashcompinit", () => {
    const zsh = completionScript("zsh", commandTable, globalFlags);
    expect(zsh).toContain("bashcompinit");
    expect(zsh).toContain("complete -F _stevedore stevedore");
  });

  it("fish offers files for path arguments only", () => {
    const fish = completionScript("fish", commandTable, globalFlags).split("\n");
    expect(fish).toContain("complete -c stevedore -n '__fish_seen_subcommand_from push' -F");
    expect(fish.some((line) => line.includes("__fish_seen_subcommand_from ls") && line.endsWith("-F"))).toBe(
      false,
    );
  });
});

describe("the completion command", () => {
  it("prints the script for the shell asked for", async () => {
    const run = await runCli(["completion", "bash"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(bash);
  });

  it("refuses another shell with a usage error naming the shells", async () => {
    const run = await runCli(["completion", "tcsh"]);
    expect(run.code).toBe(2);
    expect(run.stderrLines).toEqual([
      "stevedore: completion tcsh: no completion for shell \"tcsh\"; say one of bash, zsh, fish (see 'stevedore help completion')",
    ]);
  });
});
