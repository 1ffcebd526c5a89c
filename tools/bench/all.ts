// `pnpm bench`: every section of the benchmark in one run, one after the other — plain HTTP, TLS, the
// registry on S3 and the latency case (issue 18) — then one combined report with every target.
//
//   pnpm bench [--quick] [--only http,tls,s3,latency] [--pairs N] [--case a,b] [--operation pull,push]
//              [--stevedore PATH] [--cache DIR] [--node-option FLAG]...
//   pnpm bench --http | --tls | --s3 [...]    one section: run.ts with the same arguments
//
// Each section is its own process (run.ts, requests.ts), which writes its own report as before; `--case`
// and `--operation` apply to the HTTP and TLS sections only (S3 has cases of its own, the latency case is
// quick case (d), pull and copy between two registries). See tools/bench/README.md.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fixedCostLines } from "./fixed-cost.ts";
import { type BenchResults, range, requestCount, seconds, targetRows } from "./render-report.ts";
import type { RequestsReport } from "./requests-report.ts";
import type { Spread } from "./statistics.ts";
import type { TargetResult } from "./targets.ts";

const sections = ["http", "tls", "s3", "latency"] as const;
type Section = (typeof sections)[number];
const titles: Record<Section, string> = {
  http: "HTTP",
  tls: "TLS",
  s3: "S3 registry",
  latency: "latency 25 ms each way",
};
const here = import.meta.dirname;
const resultsDirectory = join(here, "results");

const argv = process.argv.slice(2);
const single = argv.find((argument) => argument === "--http" || argument === "--tls" || argument === "--s3");
if (single !== undefined) {
  // One section: exactly what run.ts did before `pnpm bench` ran them all.
  process.exitCode = await run(
    join(here, "run.ts"),
    argv.filter((argument) => argument !== "--http"),
  );
} else {
  process.exitCode = await runAll();
}

async function runAll(): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string", multiple: true },
      pairs: { type: "string" },
      case: { type: "string", multiple: true },
      operation: { type: "string", multiple: true },
      stevedore: { type: "string" },
      cache: { type: "string" },
      "node-option": { type: "string", multiple: true },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(
      "usage: pnpm bench [--quick] [--only http,tls,s3,latency] [--pairs N] [--case a,b] [--operation pull,push]\n" +
        "                  [--stevedore path/to/bin.js] [--cache DIR] [--node-option FLAG]...\n" +
        "       pnpm bench --http | --tls | --s3 [run.ts options]   one section\n" +
        "Races stevedore against skopeo; see tools/bench/README.md.",
    );
    return 0;
  }
  const wanted = (values.only ?? [...sections]).flatMap((item) => item.split(","));
  const unknown = wanted.find((name) => !sections.includes(name as Section));
  if (unknown !== undefined)
    throw new Error(`unknown section ${unknown}: choose from ${sections.join(", ")}`);
  const chosen = sections.filter((section) => wanted.includes(section));
  const common = [
    ...(values.pairs === undefined ? [] : ["--pairs", values.pairs]),
    ...(values.stevedore === undefined ? [] : ["--stevedore", values.stevedore]),
    ...(values.cache === undefined ? [] : ["--cache", values.cache]),
  ];
  const filters = [
    ...(values.case ?? []).flatMap((item) => ["--case", item]),
    ...(values.operation ?? []).flatMap((item) => ["--operation", item]),
    ...(values["node-option"] ?? []).map((flag) => `--node-option=${flag}`),
  ];
  const quick = values.quick ? ["--quick"] : [];
  const started = new Date();
  const scratch = await mkdtemp(join(tmpdir(), "stevedore-bench-all-"));
  const outcome: Partial<Record<Section, { file: string; status: number; load: number[] }>> = {};
  try {
    for (const section of chosen) {
      const file = join(scratch, `${section}.json`);
      const load = loadavg();
      console.log(`\n=== ${titles[section]} (load average ${load.map((n) => n.toFixed(2)).join(" ")}) ===`);
      const status =
        section === "latency"
          ? await run(join(here, "requests.ts"), [
              ...["--delay", "25", "--quick", "--case", "d", "--operation", "pull,copy-between", "--floor"],
              ...["--pairs", values.pairs ?? (values.quick ? "3" : "5")],
              ...(values.stevedore === undefined ? [] : ["--stevedore", values.stevedore]),
              ...(values.cache === undefined ? [] : ["--cache", values.cache]),
              "--json",
              file,
            ])
          : await run(join(here, "run.ts"), [
              ...(section === "tls" ? ["--tls"] : section === "s3" ? ["--s3"] : []),
              ...(section === "s3" ? [] : [...quick, ...filters]),
              ...common,
              "--json",
              file,
            ]);
      outcome[section] = { file, status, load };
    }
    const report = await combine(chosen, outcome, started, values.quick);
    await mkdir(resultsDirectory, { recursive: true });
    const stem = join(
      resultsDirectory,
      `${started.toISOString().replaceAll(":", "-").replace(/\..*/, "")}-all-${values.quick ? "quick" : "full"}`,
    );
    await writeFile(`${stem}.md`, report);
    await writeFile(join(resultsDirectory, `latest-all-${values.quick ? "quick" : "full"}.md`), report);
    console.log(`\n${report}\nwritten: ${stem}.md`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return Object.values(outcome).some((entry) => entry.status !== 0) ? 1 : 0;
}

/** The combined report: one table of every section's rows, then every target. */
async function combine(
  chosen: readonly Section[],
  outcome: Partial<Record<Section, { file: string; status: number; load: number[] }>>,
  started: Date,
  quick: boolean,
): Promise<string> {
  const ratio = (value: Spread): string => range(value, (n) => n.toFixed(3));
  const rows: string[] = [];
  const targets: TargetResult[] = [];
  const notes: string[] = [];
  const fixedCost: string[] = [];
  for (const section of chosen) {
    const entry = outcome[section];
    if (entry === undefined) continue;
    const title = titles[section];
    const text = await readFile(entry.file, "utf8").catch(() => undefined);
    if (text === undefined) {
      notes.push(`${title}: no results (the section exited ${entry.status}).`);
      continue;
    }
    if (section === "latency") {
      const latency = JSON.parse(text) as RequestsReport;
      notes.push(
        `${title}: load average ${latency.loadAverageBefore.toFixed(2)} → ${latency.loadAverageAfter.toFixed(2)}, ` +
          `${latency.pairs} pairs, requests counted at the proxies.`,
      );
      for (const row of latency.rows) {
        rows.push(
          `| ${title} | (${row.case}) 3-platform index | ${row.operation} | ${seconds(row.stevedore.wall.median)} | ` +
            `${seconds(row.skopeo.wall.median)} | **${ratio(row.ratio)}** | ` +
            `${seconds(row.stevedore.cpu.median)} / ${seconds(row.skopeo.cpu.median)} | ` +
            `${row.stevedore.peakRss.max.toFixed(0)} / ${row.skopeo.peakRss.max.toFixed(0)} | ` +
            `${requestCount(row.stevedore.requests)} / ${requestCount(row.skopeo.requests)} |`,
        );
      }
      for (const [operation, limit, label] of [
        ["pull", 0.45, "pull of a 3-platform index"],
        ["copy-between", 0.4, "copy of it between two registries"],
      ] as const) {
        const row = latency.rows.find((candidate) => candidate.operation === operation);
        const value = row?.ratio.median ?? Number.NaN;
        const floor =
          row?.floor === undefined || row.floorRatio === undefined
            ? ""
            : ` (floor, a bare Node client in the same run: ${seconds(row.floor.wall.median)} s, ${row.floorRatio.median.toFixed(3)})`;
        targets.push({
          label: `${title}: ${label} ≤ ${limit}${floor}`,
          limit,
          value,
          unit: "ratio",
          met: row === undefined ? undefined : value <= limit,
        });
      }
      const counted = latency.rows.map((row) => row.stevedore.requests.max / row.skopeo.requests.min);
      targets.push({
        label: `${title}: requests per run ≤ skopeo's`,
        limit: 1,
        value: Math.max(...counted),
        unit: "ratio",
        met: counted.length === 0 ? undefined : Math.max(...counted) <= 1,
      });
      continue;
    }
    const results = JSON.parse(text) as BenchResults;
    const { machine } = results;
    if (results.fixedCost !== undefined) fixedCost.push("", ...fixedCostLines(results.fixedCost));
    notes.push(
      `${title}: load average ${machine.loadAverageBefore[0]?.toFixed(2)} → ${machine.loadAverageAfter[0]?.toFixed(2)}, ` +
        `${results.summaries[0]?.pairs ?? 0} pairs, ${(results.durationSeconds / 60).toFixed(1)} min, ` +
        `sha256 ${results.sha256.median.toFixed(0)} MiB/s on one core` +
        (results.retried.length > 0 ? `, ${results.retried.length} hung run(s) retried` : "") +
        ".",
    );
    for (const summary of results.summaries) {
      const layout = results.layouts.find((candidate) => candidate.name === summary.case);
      rows.push(
        `| ${title} | (${summary.case}) ${layout?.title ?? ""} | ${summary.operation} | ` +
          `${seconds(summary.stevedore.wall.median)} | ${seconds(summary.skopeo.wall.median)} | ` +
          `**${ratio(summary.ratio)}** | ` +
          `${seconds(summary.stevedore.cpu.median)} / ${seconds(summary.skopeo.cpu.median)} | ` +
          `${summary.stevedore.peakRss.toFixed(0)} / ${summary.skopeo.peakRss.toFixed(0)} | ` +
          `${requestCount(summary.stevedore.requests)} / ${requestCount(summary.skopeo.requests)} |`,
      );
    }
    // TLS and S3 targets name their section already.
    for (const target of results.targets) {
      const label = target.label.startsWith(title) ? target.label : `${title}: ${target.label}`;
      targets.push({ ...target, label });
    }
  }
  const lines = [
    `# stevedore vs skopeo — every section (${quick ? "quick" : "full"} sizes), ${started.toISOString()}`,
    "",
    `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}. ${notes.join(" ")}`,
    "",
    "Seconds are medians over the measured pairs; ratio = stevedore / skopeo pair by pair, median (min–max); " +
      "CPU = user + system seconds; requests = HTTP requests per run (the registry's access log; at the proxies " +
      "for the latency case).",
    "",
    "| section | case | operation | stevedore s | skopeo s | ratio | CPU s (st / sk) | peak RSS MiB (st / sk) | requests (st / sk) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    ...fixedCost,
    "",
    "| target | measured | met |",
    "| --- | --- | --- |",
    ...targetRows(targets),
  ];
  return `${lines.join("\n")}\n`;
}

/** Runs `node script args` with this terminal; resolves with its exit status. */
function run(script: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}
