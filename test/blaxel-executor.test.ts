/**
 * BlaxelExecutor holds the executor contract through the real `@blaxel/core` SDK, against a local
 * stand-in for Blaxel whose processes are real: the CPython runtime runs on this machine.
 */
import { afterAll, beforeAll } from "vitest";

import { BlaxelExecutor } from "../src/executors/blaxel/blaxel-executor.js";
import { pythonProfile } from "../src/testing/contract/python-profile.js";
import { executorContract } from "../src/testing/executor-contract.js";
import { startBlaxelServer, type BlaxelServer } from "./support/vendor-blaxel-server.js";

const savedEnvironment = { ...process.env };
let server: BlaxelServer;
beforeAll(async () => {
  server = await startBlaxelServer();
  Object.assign(process.env, { BL_API_URL: server.apiUrl, BL_DISABLE_H2: "true", DO_NOT_TRACK: "1" });
});
afterAll(async () => {
  process.env = savedEnvironment;
  await server.close();
});

executorContract({
  name: "Blaxel (local stand-in)",
  language: "python",
  profile: pythonProfile,
  create: (options) => new BlaxelExecutor({ ...options, apiKey: "bl_test_key", workspace: "local", region: "local-1" }),
});
