/**
 * E2BExecutor holds the executor contract through the real `e2b` SDK, against a local stand-in for
 * E2B whose processes are real: the CPython runtime runs on this machine where E2B would run it.
 */
import { afterAll, beforeAll } from "vitest";

import { E2BExecutor } from "../src/executors/e2b/e2b-executor.js";
import { pythonProfile } from "../src/testing/contract/python-profile.js";
import { executorContract } from "../src/testing/executor-contract.js";
import { startE2BServer, type E2BServer } from "./support/vendor-e2b-server.js";

let server: E2BServer;
beforeAll(async () => {
  server = await startE2BServer();
});
afterAll(() => server.close());

executorContract({
  name: "E2B (local stand-in)",
  language: "python",
  profile: pythonProfile,
  create: (options) => new E2BExecutor({ ...options, apiKey: "e2b_test_key", apiUrl: server.url, sandboxUrl: server.url }),
});
