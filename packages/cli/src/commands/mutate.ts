import type { ImageChanges } from "@stevedore/client";
import { UsageError } from "@stevedore/core";
import { type CommandDefinition, defineCommand, type FlagDefinition } from "../command-definition.js";
import { commandList, keyValues, listFlag, printEdit, tagAsFlag } from "../image-edit-flags.js";
import { locationRegistries } from "../location-registries.js";

const pairFlag = <const Name extends string>(name: Name, what: string): FlagDefinition & { name: Name } => ({
  name,
  type: "string",
  multiple: true,
  valueName: "K=V",
  description: `set ${what}; K- removes it`,
});

/** `stevedore mutate REF …`: config fields and annotations. */
export const mutateCommand: CommandDefinition = defineCommand({
  name: "mutate",
  summary: "change labels, env, entrypoint, cmd, user, workdir, ports or annotations",
  arguments: [{ name: "REF" }],
  flags: [
    pairFlag("label", "a config label"),
    pairFlag("annotation", "an annotation of each image manifest"),
    pairFlag("index-annotation", "an annotation of the index itself"),
    pairFlag("env", "an environment variable"),
    {
      name: "entrypoint",
      type: "string",
      valueName: "CMD",
      description: 'the entrypoint: a,b,c or ["a","b"]; "" clears',
    },
    {
      name: "cmd",
      type: "string",
      valueName: "CMD",
      description: 'the command: a,b,c or ["a","b"]; "" clears',
    },
    { name: "user", type: "string", valueName: "USER", description: "the user (name, uid or uid:gid)" },
    { name: "workdir", type: "string", valueName: "DIR", description: "the working directory" },
    {
      name: "expose",
      type: "string",
      multiple: true,
      valueName: "PORT",
      description: "expose PORT[/tcp|udp|sctp]",
    },
    { name: "created", type: "string", valueName: "TIME", description: "the created time (RFC 3339)" },
    tagAsFlag,
  ],
  relevantGlobalFlags: ["platform", "username", "password-stdin"],
  description:
    "Changes the image config and annotations of REF (every platform of an index, or those --platform " +
    "names) and writes the result to -t NEWREF, or moves REF's tag to it. Keys not named keep their values; " +
    "a document that does not change keeps its bytes and digest; layers are never read.",
  examples: [
    {
      command:
        "stevedore mutate localhost:5000/app:v1 --label org.opencontainers.image.source=https://git.example/app --label old- -t localhost:5000/app:v1-labelled",
      description: "set one label, remove another",
    },
    {
      command:
        'stevedore mutate oci:./app:v1 --env NODE_ENV=production --entrypoint \'["node","server.js"]\'',
      description: "change the run settings in place",
    },
  ],
  async run(context) {
    const reference = context.arguments[0] ?? "";
    const destination = typeof context.flags["tag-as"] === "string" ? context.flags["tag-as"] : undefined;
    const text = (name: keyof typeof context.flags): string | undefined => {
      const value = context.flags[name];
      return typeof value === "string" ? value : undefined;
    };
    const changes: ImageChanges = {};
    const labels = listFlag(context, "label");
    if (labels.length > 0) changes.labels = keyValues(labels, "label");
    const annotations = listFlag(context, "annotation");
    if (annotations.length > 0) changes.annotations = keyValues(annotations, "annotation");
    const env = listFlag(context, "env");
    if (env.length > 0) changes.env = keyValues(env, "env");
    const entrypoint = text("entrypoint");
    if (entrypoint !== undefined) changes.entrypoint = commandList(entrypoint, "entrypoint");
    const cmd = text("cmd");
    if (cmd !== undefined) changes.cmd = commandList(cmd, "cmd");
    const user = text("user");
    if (user !== undefined) changes.user = user;
    const workdir = text("workdir");
    if (workdir !== undefined) changes.workingDir = workdir;
    const expose = listFlag(context, "expose");
    if (expose.length > 0) changes.expose = expose;
    const created = text("created");
    if (created !== undefined) changes.created = created;
    const indexAnnotations = listFlag(context, "index-annotation");
    if (Object.keys(changes).length === 0 && indexAnnotations.length === 0) {
      throw new UsageError("mutate needs at least one change (--label, --env, --entrypoint, …)");
    }
    const module = await context.loadClient();
    const client = await context.createClient(
      locationRegistries(module, [reference, destination ?? reference]),
    );
    const { platforms } = context.options;
    const outcome = await client.mutate(reference, destination, changes, {
      signal: context.signal,
      ...(platforms === undefined ? {} : { platforms }),
      ...(indexAnnotations.length === 0
        ? {}
        : { indexAnnotations: keyValues(indexAnnotations, "index-annotation") }),
    });
    await printEdit(context, outcome);
  },
});
