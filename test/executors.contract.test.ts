import { afterAll } from "vitest";

import { PyodideExecutor } from "../src/executors/pyodide/pyodide-executor.js";
import { executorContract } from "./executor-contract.js";

executorContract({ name: "Pyodide", language: "python", create: (options) => new PyodideExecutor(options) });

afterAll(() => PyodideExecutor.drainPool());
