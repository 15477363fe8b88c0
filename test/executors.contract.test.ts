import { afterAll } from "vitest";

import { MontyExecutor } from "../src/executors/monty/monty-executor.js";
import { PyodideExecutor } from "../src/executors/pyodide/pyodide-executor.js";
import { pythonProfile } from "./contract/python-profile.js";
import { executorContract } from "./executor-contract.js";

executorContract({ name: "Pyodide", language: "python", profile: pythonProfile, create: (options) => new PyodideExecutor(options) });
executorContract({
  name: "Monty",
  language: "python",
  profile: pythonProfile,
  create: (options) => new MontyExecutor(options),
  unsupported: {
    defineFunctionAndClass: /class definitions.*PyodideExecutor/s,
    printBoth: /'file' argument.*PyodideExecutor/s,
    longSleep: /'time' module.*PyodideExecutor/s,
  },
});

afterAll(() => PyodideExecutor.drainPool());
