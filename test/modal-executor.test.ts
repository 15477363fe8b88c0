/**
 * ModalExecutor holds the executor contract against a stand-in for Modal's SDK at its seam (Modal
 * speaks gRPC), whose `exec` runs the CPython runtime for real on this machine.
 */
import { ModalExecutor } from "../src/executors/modal/modal-executor.js";
import { pythonProfile } from "../src/testing/contract/python-profile.js";
import { executorContract } from "../src/testing/executor-contract.js";
import { fakeModal } from "./support/vendor-modal-fake.js";

executorContract({
  name: "Modal (stand-in SDK)",
  language: "python",
  profile: pythonProfile,
  create: (options) => new ModalExecutor({ ...options, tokenId: "ak-test", tokenSecret: "as-test", sdk: fakeModal().sdk }),
});
