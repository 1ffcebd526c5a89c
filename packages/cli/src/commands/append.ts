import { type CommandDefinition, defineCommand } from "../command-definition.js";
import {
  compressionFlag,
  compressionOf,
  layerInput,
  listFlag,
  printEdit,
  tagAsFlag,
} from "../image-edit-flags.js";
import { locationRegistries } from "../location-registries.js";

/** `stevedore append BASE --layer PATH[:DEST]… -t REF`: new layers on top of an image. */
export const appendCommand: CommandDefinition = defineCommand({
  name: "append",
  summary: "add layers (directories, files, tars) on top of an image, every platform",
  arguments: [{ name: "BASE" }],
  flags: [
    {
      name: "layer",
      type: "string",
      multiple: true,
      valueName: "PATH[:DEST]",
      description: "a directory, a file or a tar(.gz|.zst) to add as one layer; DEST places it in the image",
    },
    tagAsFlag,
    compressionFlag,
  ],
  relevantGlobalFlags: ["platform", "username", "password-stdin"],
  description:
    "Adds one layer per --layer on top of BASE and writes the result to -t REF (a registry reference or " +
    "oci:DIR[:TAG]). A directory's content goes to DEST (default /), a file to DEST (into it when DEST ends " +
    "with /), a tar or .tar.gz/.tar.zst given without DEST is the layer as it is. Directories and files are " +
    "packed reproducibly: entries sorted, owner 0:0, modes kept, every time SOURCE_DATE_EPOCH (or 0), gzip " +
    "level 6 — the same files give the same digest on every machine. Every platform of an index gets the " +
    "layers unless --platform names some. The config's rootfs.diff_ids and history are updated. BASE's " +
    "blobs are copied to REF's repository first when it is another place: within one registry they are " +
    "mounted, never downloaded.",
  examples: [
    {
      command: "stevedore append node:22-slim --layer ./dist:/app -t localhost:5000/app:v1",
      description: "an app on a base image, both platforms",
    },
    {
      command:
        "SOURCE_DATE_EPOCH=1700000000 stevedore append oci:./base --layer ./bin/tool:/usr/local/bin/ -t oci:./out:v1",
      description: "a reproducible layout",
    },
  ],
  async run(context) {
    const base = context.arguments[0] ?? "";
    const layers = listFlag(context, "layer").map(layerInput);
    const destination = typeof context.flags["tag-as"] === "string" ? context.flags["tag-as"] : base;
    const compression = compressionOf(context);
    const module = await context.loadClient();
    const client = await context.createClient(locationRegistries(module, [base, destination]));
    const { platforms } = context.options;
    const outcome = await client.append(base, destination, {
      layers,
      signal: context.signal,
      ...(compression === undefined ? {} : { compression }),
      ...(platforms === undefined ? {} : { platforms }),
    });
    await printEdit(context, outcome);
  },
});
