// Run by pyodide.mjs in a fresh Node process: import the package, start a private sandbox
// (no warm pool) and run one snippet. Prints one JSON line with its own timings, then exits.
import { performance } from "node:perf_hooks";

const beforeImport = performance.now();
const { PyodideExecutor } = await import("../dist/index.js");
const afterImport = performance.now();
const executor = new PyodideExecutor({ usePool: false });
const result = await executor.run("1");
const done = performance.now();
process.stdout.write(
  `${JSON.stringify({
    importMs: afterImport - beforeImport,
    sandboxMs: done - afterImport,
    sinceProcessStartMs: done,
    output: result.output,
    error: result.error ?? null,
  })}\n`,
);
await executor.close();
