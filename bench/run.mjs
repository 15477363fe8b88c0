// The benchmark harness: `npm run bench` (builds, then runs this). Each benchmark module exports
// an async function returning rows (see report.mjs); add new ones to SUITES.
//
//   node bench/run.mjs             every suite
//   node bench/run.mjs pyodide     only the named suites
//   node bench/run.mjs --quick     fewer repetitions (a smoke test; figures are rougher)
import { fileURLToPath } from "node:url";

import { benchPyodide } from "./pyodide.mjs";
import { printTable, readPreviousResults, writeResults } from "./report.mjs";

const SUITES = {
  pyodide: benchPyodide,
  agent: (options) => import("./agent.mjs").then((module) => module.benchAgent(options)),
  "light-executors": (options) => import("./light-executors.mjs").then((module) => module.benchLightExecutors(options)),
  jobs: (options) => import("./jobs.mjs").then((module) => module.benchJobs(options)),
};

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const requested = args.filter((arg) => !arg.startsWith("--"));
const unknown = requested.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(", ")}; known: ${Object.keys(SUITES).join(", ")}`);
  process.exit(2);
}
const names = requested.length > 0 ? requested : Object.keys(SUITES);

const path = fileURLToPath(new URL("./results.json", import.meta.url));
// The committed figures, read before this run replaces them: the table shows both side by side.
const previous = readPreviousResults(path);
const started = Date.now();
const results = [];
let failed = false;
for (const name of names) {
  const log = (message) => console.error(`[${name}] ${message} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  try {
    const rows = await SUITES[name]({ quick, log });
    results.push(...rows.map((result) => ({ suite: name, ...result })));
  } catch (error) {
    failed = true;
    console.error(`[${name}] failed: ${error?.stack ?? error}`);
  }
}

console.log("");
printTable(results, undefined, previous);
// A run of some suites keeps the other suites' figures, so the file always holds every suite.
const kept = [...previous.values()].filter((result) => !names.includes(result.suite));
writeResults(path, [...kept, ...results]);
const missed = results.filter((result) => result.met === false).length;
console.log(`\n${results.length} figures, ${missed} target(s) missed, in ${((Date.now() - started) / 1000).toFixed(1)} s; written to bench/results.json ("before" is what it held before this run)`);
if (failed) process.exitCode = 1;
