// Measures the Docker sandbox on this engine: container start, start to the first line from an
// exec, a warm exec's first line, the memory an idle container holds (its cgroup's usage, as
// `docker stats` reports it), and DockerExecutor's first result, warm run and tool call. Run: node_modules/.bin/vite-node scripts/docker-measure.ts [IMAGE]
import { execFile } from "node:child_process";
import { promisify } from "node:util";

import { DockerSandboxContainer } from "../src/executors/docker/docker-sandbox-container.js";

const image = process.argv[2] ?? "codeagent-test-python:bookworm";
const ECHO = "import sys\nfor line in sys.stdin: print(line.strip(), flush=True)";

async function firstLine(container: DockerSandboxContainer): Promise<number> {
  const started = performance.now();
  const channel = await container.exec(["python3", "-u", "-c", ECHO]);
  // An idle channel lets the host exit; this one is waited on.
  channel.setActive?.(true);
  const line = new Promise<void>((resolve) => channel.receive(() => resolve()));
  channel.send("hello");
  await line;
  const elapsed = performance.now() - started;
  channel.close("was closed");
  await channel.ended;
  return elapsed;
}

const rows: { start: number; toFirstLine: number; warmExec: number }[] = [];
for (let round = 0; round < 5; round++) {
  const begun = performance.now();
  const container = await DockerSandboxContainer.start({ image });
  const start = performance.now() - begun;
  const toFirstLine = start + (await firstLine(container));
  const warmExec = await firstLine(container);
  rows.push({ start, toFirstLine, warmExec });
  await container.close();
}
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(
  `container start ${median(rows.map((row) => row.start)).toFixed(0)} ms, start to first exec line ${median(rows.map((row) => row.toFirstLine)).toFixed(0)} ms, ` +
    `warm exec to first line ${median(rows.map((row) => row.warmExec)).toFixed(0)} ms (median of ${rows.length})`,
);

const idle = await DockerSandboxContainer.start({ image });
const interpreter = await idle.exec(["python3", "-u", "-c", ECHO]);
interpreter.setActive?.(true);
await new Promise((resolve) => setTimeout(resolve, 1500));
const memory = async () => (await promisify(execFile)("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", idle.id])).stdout.trim();
console.log(`idle container with a python3 exec waiting on its stdin: ${await memory()}`);
interpreter.close("was closed");
await interpreter.ended;
await new Promise((resolve) => setTimeout(resolve, 1500));
console.log(`idle container, control loop only: ${await memory()}`);
await idle.close();

// The executor on top: a new DockerExecutor to its first result (container start, interpreter
// start, runtime hello, the run), a warm trivial run, one tool call's round trip.
const { DockerExecutor } = await import("../src/executors/docker/docker-executor.js");
const { tool } = await import("../src/tools/tool.js");
const { z } = await import("zod");
const ping = tool({ name: "ping", description: "Answers at once.", inputSchema: z.object({ n: z.number() }), execute: ({ n }) => n });
const firstResults: number[] = [];
for (let round = 0; round < 5; round++) {
  const begun = performance.now();
  const executor = new DockerExecutor({ image });
  await executor.run("1");
  firstResults.push(performance.now() - begun);
  await executor.close();
}
const executor = new DockerExecutor({ image });
await executor.sendTools([ping]);
await executor.run("1");
const warm: number[] = [];
for (let index = 0; index < 200; index++) {
  const begun = performance.now();
  await executor.run("1");
  warm.push(performance.now() - begun);
}
const CALLS = 500;
const loops: number[] = [];
for (let round = 0; round < 5; round++) {
  const begun = performance.now();
  await executor.run(`for i in range(${CALLS}):\n    ping(n=i)`);
  loops.push(performance.now() - begun);
}
console.log(
  `DockerExecutor: new executor to first result ${median(firstResults).toFixed(0)} ms (median of 5), warm run ${median(warm).toFixed(2)} ms (median of 200), ` +
    `tool call ${((median(loops) - median(warm)) / CALLS).toFixed(3)} ms (median of 5 runs of ${CALLS} calls)`,
);
const stats = (await promisify(execFile)("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", ...(await containerIds())])).stdout.trim();
console.log(`DockerExecutor's container, idle after those runs: ${stats}`);
await executor.close();

async function containerIds(): Promise<string[]> {
  const { stdout } = await promisify(execFile)("docker", ["ps", "-q", "--filter", "label=codeagent.sandbox=1"]);
  return stdout.split("\n").filter((line) => line !== "");
}
