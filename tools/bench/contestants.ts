import type { PullFloorScripts } from "./bundle-pull-floor.ts";
import type { GeneratedLayout } from "./generate.ts";
import type { ImageGraph } from "./image-graph.ts";

/** What is measured: pull to a layout, push from one (fresh repository, then again when all exists), copy. */
export type Operation = "pull" | "push" | "push-existing" | "copy";

/** The two programs that race. */
export type Tool = "stevedore" | "skopeo";

/**
 * A bare Node pull timed in the same rounds as the two, undici over h2 or HTTP/1.1 on one thread: the floor of
 * a pull. Of many small blobs (pull-floor-child.ts): 8 at a time, each gathered, hashed and written to its
 * own file. Of large blobs ({@link largeBlobCases}; tls-path-child.ts, way `main`): 2 at a time, each
 * streamed, hashed and written in ~1 MiB positioned batches.
 */
export type PullFloor = "floor-h2" | "floor-h1";

/** The cases whose pull floor streams each blob to its file instead of gathering it in memory. */
export const largeBlobCases: ReadonlySet<string> = new Set(["a", "b"]);

/** Every operation, in the order a case runs them. */
export const operations: Operation[] = ["pull", "push", "push-existing", "copy"];

/** Where one measured run reads and writes. */
export interface RunPlan {
  layout: GeneratedLayout;
  /** `127.0.0.1:PORT`. */
  host: string;
  /** The repository read by `pull` and `copy`. */
  source: string;
  /** The repository written by `push`, `push-existing` and `copy`. */
  destination: string;
  /** Where `push` and `copy` write when not `host` (`127.0.0.1:PORT`): a copy between two registries. */
  destinationHost?: string;
  /** The folder `pull` writes (absent before the run). */
  output: string;
}

/** A command line to measure. */
export interface Invocation {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** How to start the contestants: the built CLI, extra `node` flags (`--cpu-prof`), skopeo's cache folder. */
export interface ContestantOptions {
  stevedoreBin: string;
  nodeArguments: string[];
  /**
   * A fresh folder per skopeo run for its blob info cache. skopeo remembers in a machine-wide cache
   * (/var/lib/containers/cache for root) which repositories hold which blobs and then mounts instead of
   * uploading, so after the first round every "push" would be mounts. A private empty cache makes each run
   * what it is on a clean machine, as stevedore's in-process memory of blob locations is.
   */
  skopeoCacheDirectory: string;
  /** The floors bundled (bundle-pull-floor.ts), for the {@link PullFloor} runs. */
  pullFloorScripts?: PullFloorScripts;
  /** A registry over TLS: the CA stevedore trusts (`--ca-file`), and a folder holding it as `ca.crt` for skopeo. */
  tls?: { caFile: string; certDirectory: string };
}

/** The command that performs `operation` with `tool`. */
export function invocation(
  tool: Tool,
  operation: Operation,
  plan: RunPlan,
  options: ContestantOptions,
): Invocation {
  const { layout, host } = plan;
  const remoteSource = `${host}/${plan.source}:${layout.tag}`;
  const remoteDestination = `${plan.destinationHost ?? host}/${plan.destination}:${layout.tag}`;
  const local = `oci:${layout.directory}:${layout.tag}`;
  const [from, to] =
    operation === "pull"
      ? [remoteSource, `oci:${plan.output}:${layout.tag}`]
      : operation === "copy"
        ? [remoteSource, remoteDestination]
        : [local, remoteDestination];
  if (tool === "stevedore") {
    const verb = operation === "pull" ? "pull" : operation === "copy" ? "copy" : "push";
    return {
      command: process.execPath,
      args: [
        ...options.nodeArguments,
        options.stevedoreBin,
        verb,
        from,
        to,
        "--quiet",
        ...(layout.index ? ["--platform", "all"] : []),
        ...(options.tls ? ["--ca-file", options.tls.caFile] : []),
      ],
      env: process.env,
    };
  }
  const docker = (reference: string): string =>
    reference.startsWith("oci:") ? reference : `docker://${reference}`;
  return {
    command: "skopeo",
    args: [
      "copy",
      "--quiet",
      ...(options.tls
        ? ["--src-cert-dir", options.tls.certDirectory, "--dest-cert-dir", options.tls.certDirectory]
        : ["--src-tls-verify=false", "--dest-tls-verify=false"]),
      "--preserve-digests",
      ...(layout.index ? ["--all"] : []),
      docker(from),
      docker(to),
    ],
    env: skopeoEnvironment(options.skopeoCacheDirectory),
  };
}

/**
 * The environment for a skopeo run whose blob info cache is `cacheDirectory` (see
 * {@link ContestantOptions.skopeoCacheDirectory}): with a non-zero "rootless" uid, containers/image keeps
 * the cache under `XDG_DATA_HOME` instead of /var/lib/containers/cache.
 */
export function skopeoEnvironment(cacheDirectory: string): NodeJS.ProcessEnv {
  return { ...process.env, _CONTAINERS_ROOTLESS_UID: "1000", XDG_DATA_HOME: cacheDirectory };
}

/**
 * skopeo's arguments to put `layout` into a registry at `reference` (`HOST/REPOSITORY:TAG`): the image
 * every pull and copy reads, made by the reference tool.
 */
export function seedArguments(layout: GeneratedLayout, reference: string): string[] {
  return [
    "copy",
    "--quiet",
    "--dest-tls-verify=false",
    "--preserve-digests",
    ...(layout.index ? ["--all"] : []),
    `oci:${layout.directory}:${layout.tag}`,
    `docker://${reference}`,
  ];
}

/** The command of a {@link PullFloor}: every blob of `graph` from `plan.source` into `plan.output`. */
export function pullFloorInvocation(
  floor: PullFloor,
  plan: RunPlan,
  graph: ImageGraph,
  options: ContestantOptions,
): Invocation {
  const base = `${options.tls ? "https" : "http"}://${plan.host}/v2/${plan.source}/blobs/`;
  const protocol = floor === "floor-h2" ? "h2" : "h1";
  const urls = graph.blobs.map((digest) => base + digest);
  const args = largeBlobCases.has(plan.layout.name)
    ? largePullFloorArguments(
        options.pullFloorScripts?.large ?? new URL("tls-path-child.ts", import.meta.url).pathname,
        protocol,
        options.tls?.caFile,
        plan.output,
        graph.blobs.map((digest, index) => ({
          url: urls[index] as string,
          size: graph.sizes.get(digest) ?? 0,
        })),
      )
    : pullFloorArguments(
        options.pullFloorScripts?.small ?? new URL("pull-floor-child.ts", import.meta.url).pathname,
        protocol,
        options.tls?.caFile,
        plan.output,
        urls,
      );
  return { command: process.execPath, args, env: process.env };
}

/** `node`'s arguments for pull-floor-child.ts (`script`, bundled or not): 8 blobs at a time into `output`. */
export function pullFloorArguments(
  script: string,
  protocol: "h1" | "h2",
  caFile: string | undefined,
  output: string,
  urls: readonly string[],
): string[] {
  return [script, protocol, caFile ?? "-", "8", output, ...urls];
}

/**
 * `node`'s arguments for tls-path-child.ts's `main` way (`script`, bundled or not): every blob streamed into
 * `output`, 2 at a time, with the young-generation regime tls-path.ts gives it (record 0017).
 */
export function largePullFloorArguments(
  script: string,
  protocol: "h1" | "h2",
  caFile: string | undefined,
  output: string,
  blobs: readonly { url: string; size: number }[],
): string[] {
  return [
    "--max-semi-space-size=1",
    "--expose-gc",
    script,
    `main-${protocol}`,
    caFile ?? "-",
    output,
    ...blobs.map((blob) => `${blob.url}#${blob.size}`),
  ];
}
