/**
 * The randomized fault campaign of issue 13: pulls, pushes and copies through {@link startFaultProxy}
 * proxies that cut connections at random offsets, answer 5xx and 429, stall, truncate and corrupt bodies.
 * Every run ends byte-exact, or with a documented exit code and one line — and leaves no temp file. The
 * seed is in the suite's name and every assertion message; STEVEDORE_FAULT_SEED replays one. Tests only.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { readLayoutBlobs, useTestLayout } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../exit-codes.js";
import { runCli } from "./fake-io.js";
import { type FaultProxy, seededRandom, startFaultProxy } from "./fault-proxy.js";

const seed = Number(process.env.STEVEDORE_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** What a run may end with besides success: a registry error after retries, the network, bad content. */
const allowedFailures: readonly number[] = [ExitCode.error, ExitCode.network, ExitCode.verification];

// Retries without waiting (Retry-After included) and short timeouts, so stalls end quickly.
const clientOptions = {
  transport: { clock: { sleep: async () => {} }, timeouts: { headers: 700, bodyIdle: 300 } },
};

/** How long one run may take before the campaign calls it hung. */
const runLimitMilliseconds = 60_000;

/** Options of {@link describeFaultCampaign}. */
export interface FaultCampaignOptions {
  name: string;
  /** Two registries (`http://127.0.0.1:PORT`): the source, then the destination (may be the same one). */
  registries: () => Promise<string[]>;
  runs: number;
}

/** Declares the campaign as one vitest test: `runs` runs, pull, push and copy in turn. */
export function describeFaultCampaign(options: FaultCampaignOptions): void {
  const runs = options.runs;
  const prefix = `faults-${Math.floor(Math.random() * 2 ** 31).toString(36)}`;
  const sourceRepository = `${prefix}/source`;
  const local = useTestLayout("stevedore-faults-", { layerSize: 96 * 1024 }, beforeAll, afterAll);
  const proxies: FaultProxy[] = [];
  /** Each proxy's registry, `http://127.0.0.1:PORT`, to check results past the faults. */
  const upstreams = new Map<FaultProxy, string>();
  let sourceHost: string;
  let destinationHost: string;
  let source: FaultProxy;
  let destination: FaultProxy;

  beforeAll(async () => {
    for (const url of await options.registries()) {
      const proxy = await startFaultProxy(new URL(url).host);
      proxies.push(proxy);
      upstreams.set(proxy, url);
    }
    [source, destination] = proxies as [FaultProxy, FaultProxy];
    sourceHost = source.host;
    destinationHost = destination.host;
    source.reset(0, 0);
    const seeded = await runCli(["push", `oci:${local.layout}:v1`, `${sourceHost}/${sourceRepository}:v1`], {
      clientOptions,
    });
    if (seeded.code !== 0) throw new Error(`seeding failed: ${seeded.stderr}`);
  });

  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  /** The bytes at `path` of the registry behind `proxy`, read past the proxy (no faults). */
  async function upstream(proxy: FaultProxy, path: string): Promise<Buffer | undefined> {
    const response = await fetch(`${upstreams.get(proxy) ?? ""}${path}`, {
      headers: {
        accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json",
      },
    });
    if (response.status !== 200) return undefined;
    return Buffer.from(await response.arrayBuffer());
  }

  /** Files a killed or failed transfer might leave: hidden temp files or `*.tmp` anywhere below `path`. */
  async function leftovers(path: string): Promise<string[]> {
    const names = await readdir(path, { recursive: true }).catch(() => [] as string[]);
    return names.filter((name) => /(^|\/)\.[^/]*$|\.(tmp|lock)$/.test(name));
  }

  /** Checks that `repository` in the registry behind `proxy` holds the test image byte for byte. */
  async function expectImageIn(proxy: FaultProxy, repository: string, context: string): Promise<void> {
    const index = await upstream(proxy, `/v2/${repository}/manifests/v1`);
    expect(index && Buffer.compare(index, local.image.index.bytes), context).toBe(0);
    for (const blob of local.image.blobs.values()) {
      const kind = /manifest|index/.test(blob.mediaType) ? "manifests" : "blobs";
      const bytes = await upstream(proxy, `/v2/${repository}/${kind}/${blob.digest}`);
      expect(bytes && Buffer.compare(bytes, blob.bytes), `${context}: ${blob.mediaType} ${blob.digest}`).toBe(
        0,
      );
    }
  }

  describe(`${options.name} (seed ${seed})`, () => {
    it(`${runs} pulls, pushes and copies end byte-exact or with a documented exit code and one line`, async () => {
      const pick = seededRandom(seed);
      const outcomes: Record<string, number> = {};
      for (let run = 0; run < runs; run++) {
        const runSeed = Math.floor(pick() * 2 ** 31);
        const rate = 0.15 + pick() * 0.25;
        source.reset(runSeed, rate);
        destination.reset(runSeed + 1, rate);
        const kind = (["pull", "push", "copy"] as const)[run % 3];
        const repository = `${prefix}/r${run}`;
        const into = join(local.workspace, `pull-${run}`);
        const argv =
          kind === "pull"
            ? ["pull", `${sourceHost}/${sourceRepository}:v1`, into]
            : kind === "push"
              ? ["push", `oci:${local.layout}:v1`, `${destinationHost}/${repository}:v1`]
              : ["copy", `${sourceHost}/${sourceRepository}:v1`, `${destinationHost}/${repository}:v1`];
        // A run that has not ended after a minute hangs (every fault meets a timeout or a retry limit):
        // stopped and reported with its faults, instead of the whole campaign running into vitest's timeout.
        const watchdog = new AbortController();
        let pending = "";
        const timer = setTimeout(() => {
          pending = process.getActiveResourcesInfo().join(", ");
          watchdog.abort();
        }, runLimitMilliseconds);
        // A hung run is reported with the requests it sent last (the client's debug lines).
        const debug: string[] = [];
        const result = await runCli([...argv, "--quiet"], {
          clientOptions: { ...clientOptions, onDebug: (line) => debug.push(line) },
          signal: watchdog.signal,
        });
        clearTimeout(timer);
        const context = `seed ${seed}, run ${run} (${argv.join(" ")}), exit ${result.code}, faults [${[
          ...source.injected,
          ...destination.injected,
        ].join("; ")}], stderr: ${result.stderr}`;
        expect(
          watchdog.signal.aborted,
          `${context}: still running after ${runLimitMilliseconds} ms (pending: ${pending}); last requests:\n${debug.slice(-40).join("\n")}`,
        ).toBe(false);
        const outcome = `${kind} ${result.code}`;
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (kind === "pull") expect(await leftovers(into), context).toEqual([]);
        if (result.code !== 0) {
          expect(allowedFailures, context).toContain(result.code);
          expect(result.stderrLines, context).toHaveLength(1);
          expect(result.stderrLines[0], context).toMatch(/^stevedore: \S/);
          continue;
        }
        if (kind === "pull") {
          const blobs = await readLayoutBlobs(into);
          for (const blob of local.image.blobs.values()) {
            expect(
              Buffer.compare(Buffer.from(blobs.get(blob.digest) ?? []), blob.bytes),
              `${context}: ${blob.digest}`,
            ).toBe(0);
          }
          const written = JSON.parse(await readFile(join(into, "index.json"), "utf8")) as {
            manifests: { digest: string }[];
          };
          expect(
            written.manifests.map((entry) => entry.digest),
            context,
          ).toContain(local.image.index.digest);
        } else {
          await expectImageIn(destination, `${repository}`, context);
        }
      }
      // Both ends occur: the campaign is not trivially all green or all red.
      const successes = Object.entries(outcomes).filter(([key]) => key.endsWith(" 0"));
      expect(successes.length, `seed ${seed}: ${JSON.stringify(outcomes)}`).toBeGreaterThan(0);
    }, 300_000);
  });
}
