import { copyCommandFlags, copyCredentials } from "../command-credentials.js";
import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { compressionOf } from "../image-edit-flags.js";
import { locationRegistries } from "../location-registries.js";
import { runTransfer } from "../run-transfer.js";

/** `stevedore copy SRC DST`: between registries and local formats. */
export const copyCommand: CommandDefinition = defineCommand({
  name: "copy",
  aliases: ["cp"],
  summary: "copy images between registries, OCI layouts and docker archives",
  arguments: [{ name: "SRC" }, { name: "DST" }],
  flags: [
    {
      name: "all-tags",
      type: "boolean",
      description:
        "copy every tag of the SRC repository (SRC without a tag); each blob counts once, a last line sums up the tags",
    },
    { name: "referrers", type: "boolean", description: "also copy the artifacts that refer to the images" },
    ...copyCommandFlags,
  ],
  relevantGlobalFlags: ["platform", "concurrency", "username", "password-stdin"],
  description:
    "Copies SRC to DST. Each is a registry reference (docker://REF or bare), oci:PATH[:TAG], " +
    "oci-archive:PATH[:TAG] or docker-archive:PATH[:TAG] (an OCI archive is written whole, replacing the " +
    "file, as skopeo does). Between two registries blobs stream through without touching disk; on " +
    "the same registry they are mounted. The copy is whole: an index keeps every platform and its digest " +
    "(DST's digest is SRC's) unless --platform narrows it; a single-platform image for another platform " +
    "than --platform is an error (exit 3). Credentials given on the command line reach " +
    "only the registry they are for: -u USER --password-stdin when one registry is involved; between two " +
    "registries, --src-username and --dest-username, each with its password from --src-password-stdin / " +
    "--dest-password-stdin (both: two lines on stdin, SRC's first) or --src-password-file / " +
    "--dest-password-file.",
  examples: [
    {
      command: "stevedore copy alpine:3.20 localhost:5000/alpine:3.20",
      description: "mirror a multi-platform image, digest kept",
    },
    {
      command: "stevedore copy alpine:3.20 localhost:5000/alpine:3.20-arm64 --platform linux/arm64",
      description: "only the arm64 image",
    },
    {
      command: "stevedore cp localhost:5000/app registry.example.com/app --all-tags --referrers",
      description: "every tag, with signatures and SBOMs",
    },
    { command: "stevedore copy oci:./build:v1 docker-archive:app.tar", description: "layout to archive" },
    {
      command: "stevedore copy --referrers oci:./build:v1 oci-archive:app.tar:v1",
      description: "layout to OCI archive, signatures and SBOMs kept",
    },
    {
      command:
        "stevedore cp ghcr.io/org/app:v1 registry.example.com/app:v1 --src-username me --src-password-file ghcr.txt --dest-username ci --dest-password-stdin < dest.txt",
      description: "each registry gets only its own credentials",
    },
  ],
  async run(context) {
    const [source = "", destination = ""] = context.arguments;
    const module = await context.loadClient();
    const [from] = locationRegistries(module, [source]);
    const [to] = locationRegistries(module, [destination]);
    const staticCredentials = await copyCredentials(context, from, to);
    const client = await context.createClient(
      [],
      staticCredentials === undefined ? {} : { staticCredentials },
    );
    const allTags = context.flags["all-tags"] === true;
    const referrers = context.flags.referrers === true;
    const compression = compressionOf(context);
    await runTransfer(
      context,
      (options) =>
        client.copy(source, destination, {
          ...options,
          ...(allTags ? { allTags } : {}),
          ...(referrers ? { referrers } : {}),
          ...(compression === undefined ? {} : { compression }),
        }),
      { summary: allTags },
    );
  },
});
