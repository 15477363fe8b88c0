import { afterAll } from "vitest";

import { PyodideExecutor } from "../src/executors/pyodide/pyodide-executor.js";
import { pythonProfile } from "./contract/python-profile.js";
import { executorContract } from "./executor-contract.js";

executorContract({ name: "Pyodide", language: "python", profile: pythonProfile, create: (options) => new PyodideExecutor(options) });

afterAll(() => PyodideExecutor.drainPool());
