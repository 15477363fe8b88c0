/**
 * Measures what loading packages adds to a fresh Pyodide sandbox: starts sandboxes with and
 * without two small test-built wheels (a package and its dependency, already in place, so no
 * download is counted), alternating, and prints each start and the medians.
 *
 *   npx vite-node test/support/wheel-load-measure.ts [rounds]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { installedLockPath } from "../../src/executors/pyodide/package-lock.js";
import { PyodidePackages } from "../../src/executors/pyodide/pyodide-packages.js";
import { startSandbox } from "../../src/executors/pyodide/sandbox-pool.js";
import { buildWheel, lockFileFor } from "./wheel-builder.js";

const rounds = Number(process.argv[2] ?? 6);
// An idle sandbox does not hold the event loop; this script must wait for them.
const keepAlive = setInterval(() => undefined, 1_000);

const info = (JSON.parse(readFileSync(installedLockPath(), "utf8")) as { info: Record<string, unknown> }).info;
const dependency = buildWheel({ name: "greet-dep", version: "1.0", files: { "greet_dep/__init__.py": "WORD = 'hello'\n" } });
const dependent = buildWheel({ name: "greeter", version: "2.1", depends: ["greet-dep"], files: { "greeter/__init__.py": "from greet_dep import WORD\n" } });
const folder = mkdtempSync(join(tmpdir(), "codeagent-wheel-measure-"));
writeFileSync(join(folder, "pyodide-lock.json"), lockFileFor([dependency, dependent], info));
for (const wheel of [dependency, dependent]) writeFileSync(join(folder, wheel.fileName), wheel.bytes);

const packages = await PyodidePackages.fromOptions({
  packages: ["greeter"],
  packagesDir: folder,
  packageLockFile: join(folder, "pyodide-lock.json"),
})!.provide();

// The first start makes the memory snapshot if there is none; it is not counted.
(await startSandbox()).kill("measured");

const timings: Record<"plain" | "packages", number[]> = { plain: [], packages: [] };
for (let round = 0; round < rounds; round++) {
  for (const kind of ["plain", "packages"] as const) {
    const started = performance.now();
    const sandbox = await startSandbox(kind === "packages" ? packages : undefined);
    timings[kind].push(performance.now() - started);
    sandbox.kill("measured");
    await sandbox.exited;
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [kind, values] of Object.entries(timings)) {
  console.log(`${kind.padEnd(8)} ${values.map((value) => value.toFixed(0)).join(" ")} ms, median ${median(values).toFixed(0)} ms`);
}
rmSync(folder, { recursive: true, force: true });
clearInterval(keepAlive);
