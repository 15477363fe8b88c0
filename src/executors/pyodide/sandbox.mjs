// A sandbox process: runs under Deno with read access to Pyodide's files only, and an empty
// environment, and serves one sandbox (sandbox-serve.mjs) on its main thread. It speaks JSON lines
// with the Node host over stdin/stdout (sandbox-channel.mjs); a small worker thread turns SIGUSR1
// into a Python interrupt (sandbox-interrupts.mjs). A fourth argument, when given, is the JSON of
// the packages to load before serving (sandbox-packages.mjs).

import "./sandbox-intrinsics.mjs"; // first: it captures the built-ins before anything else runs
import { openChannel } from "./sandbox-channel.mjs";
import { startInterruptWorker } from "./sandbox-interrupts.mjs";
import { serveSandbox } from "./sandbox-serve.mjs";

const [pyodideDirectory, snapshotPath, role, packagesJson] = Deno.args;

const stdinRead = Deno.stdin.readSync.bind(Deno.stdin);
const stdoutWrite = Deno.stdout.writeSync.bind(Deno.stdout);
const readFile = Deno.readFileSync;
const writeFile = Deno.writeFileSync;
const exitProcess = Deno.exit;

const interrupts = startInterruptWorker();
const makingSnapshot = role === "make-snapshot";
// Opened before Pyodide loads, so the token is read while no Python code exists yet.
const channel = makingSnapshot ? undefined : openChannel({ read: stdinRead, write: stdoutWrite, exit: exitProcess });

await serveSandbox({
  channel,
  interrupts,
  pyodideDirectory,
  readSnapshot: () => (!makingSnapshot && snapshotPath ? readFile(snapshotPath) : undefined),
  role,
  packages: packagesJson ? JSON.parse(packagesJson) : undefined,
  readFile,
  exit: exitProcess,
  makeSnapshot: makingSnapshot ? (bytes) => writeFile(snapshotPath, bytes) : undefined,
});
