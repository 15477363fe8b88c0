// Measures the Docker sandbox container on this engine: container start, start to the first line
// from an exec, a warm exec's first line, and the memory an idle container holds (its cgroup's
// usage, as `docker stats` reports it). Run: node_modules/.bin/vite-node scripts/docker-measure.ts [IMAGE]
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
const stats = async () => (await promisify(execFile)("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", idle.id])).stdout.trim();
console.log(`idle container with a python3 exec waiting on its stdin: ${await stats()}`);
interpreter.close("was closed");
await interpreter.ended;
await new Promise((resolve) => setTimeout(resolve, 1500));
console.log(`idle container, control loop only: ${await stats()}`);
await idle.close();
