/**
 * Figures for the vendor sandboxes, where they can be had here: first result, warm run and a run
 * with one tool call, through each vendor's SDK against the local stand-ins (so: the SDK's and the
 * protocol's own cost on loopback, not a vendor's network), beside the local Python.
 * Run: `npx vite-node test/support/vendor-figures.ts`.
 */
import { z } from "zod";

import { BlaxelExecutor } from "../../src/executors/blaxel/blaxel-executor.js";
import { E2BExecutor } from "../../src/executors/e2b/e2b-executor.js";
import type { Executor } from "../../src/executors/executor.js";
import { LocalPythonExecutor } from "../../src/executors/local-python/local-python-executor.js";
import { ModalExecutor } from "../../src/executors/modal/modal-executor.js";
import { tool } from "../../src/tools/tool.js";
import { startBlaxelServer } from "./vendor-blaxel-server.js";
import { startE2BServer } from "./vendor-e2b-server.js";
import { fakeModal } from "./vendor-modal-fake.js";

const add = tool({ name: "add", description: "Adds.", inputSchema: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const e2b = await startE2BServer();
const blaxel = await startBlaxelServer();
Object.assign(process.env, { BL_API_URL: blaxel.apiUrl, BL_DISABLE_H2: "true", DO_NOT_TRACK: "1" });
const subjects: Array<[string, () => Executor]> = [
  ["local-python", () => new LocalPythonExecutor()],
  ["e2b (local stand-in)", () => new E2BExecutor({ apiKey: "k", apiUrl: e2b.url, sandboxUrl: e2b.url })],
  ["modal (stand-in SDK)", () => new ModalExecutor({ tokenId: "a", tokenSecret: "b", sdk: fakeModal().sdk })],
  ["blaxel (local stand-in)", () => new BlaxelExecutor({ apiKey: "k", workspace: "w", region: "r" })],
];
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [name, make] of subjects) {
  const started = performance.now();
  const executor = make();
  await executor.sendTools([add]);
  await executor.run("1 + 1");
  const first = performance.now() - started;
  const runs: number[] = [];
  const calls: number[] = [];
  for (let i = 0; i < 50; i++) {
    let t = performance.now();
    await executor.run("1 + 1");
    runs.push(performance.now() - t);
    t = performance.now();
    await executor.run("add(a=1, b=2)");
    calls.push(performance.now() - t);
  }
  await executor.close();
  console.log(`${name}: first result ${first.toFixed(0)} ms, warm run ${median(runs).toFixed(2)} ms, run with one tool call ${median(calls).toFixed(2)} ms`);
}
await e2b.close();
await blaxel.close();
process.exit(0);
