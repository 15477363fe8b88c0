import { afterAll } from "vitest";

import { DockerExecutor } from "../src/executors/docker/docker-executor.js";
import { LocalPythonExecutor } from "../src/executors/local-python/local-python-executor.js";
import { MontyExecutor } from "../src/executors/monty/monty-executor.js";
import { PyodideExecutor } from "../src/executors/pyodide/pyodide-executor.js";
import { QuickJsExecutor } from "../src/executors/quickjs/quickjs-executor.js";
import { javascriptProfile } from "../src/testing/contract/javascript-profile.js";
import { pythonProfile } from "../src/testing/contract/python-profile.js";
import { executorContract } from "../src/testing/executor-contract.js";
import { TEST_PYTHON_IMAGE } from "./support/docker-image.js";

executorContract({ name: "Pyodide", language: "python", profile: pythonProfile, create: (options) => new PyodideExecutor(options) });
executorContract({
  name: "Pyodide (shared isolation)",
  language: "python",
  profile: pythonProfile,
  create: (options) => new PyodideExecutor({ ...options, isolation: "shared" }),
});
executorContract({ name: "LocalPython", language: "python", profile: pythonProfile, create: (options) => new LocalPythonExecutor(options) });
executorContract({ name: "Docker", language: "python", profile: pythonProfile, create: (options) => new DockerExecutor({ ...options, image: TEST_PYTHON_IMAGE }) });
executorContract({ name: "QuickJS", language: "javascript", profile: javascriptProfile, create: (options) => new QuickJsExecutor(options) });
executorContract({
  name: "Monty",
  language: "python",
  profile: pythonProfile,
  create: (options) => new MontyExecutor(options),
  unsupported: {
    defineClass: /class definitions.*PyodideExecutor/s,
    printBoth: /'file' argument.*PyodideExecutor/s,
    longSleep: /'time' module.*PyodideExecutor/s,
  },
});

afterAll(() => Promise.all([PyodideExecutor.drainPool(), QuickJsExecutor.drainPool(), MontyExecutor.drainPool(), LocalPythonExecutor.drainPool()]));
