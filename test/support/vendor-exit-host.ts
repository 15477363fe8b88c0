/**
 * A host program for the exit tests: starts a vendor sandbox ("e2b" or "blaxel", at the local
 * stand-in whose URL is its second argument) with a process in it, then exits without closing.
 */
import { blaxelLauncher } from "../../src/executors/blaxel/blaxel-launcher.js";
import { e2bLauncher } from "../../src/executors/e2b/e2b-launcher.js";
import { ECHO_ARGV } from "./vendor-echo.js";

const [vendor, url] = process.argv.slice(2) as [string, string];
const launcher =
  vendor === "e2b"
    ? e2bLauncher({ apiKey: "e2b_test_key", apiUrl: url, sandboxUrl: url }, { argv: ECHO_ARGV })
    : blaxelLauncher({ apiKey: "bl_test_key", workspace: "local", region: "local-1" }, { argv: ECHO_ARGV });
await launcher.launch({ memoryLimitMb: 256, timeoutMs: 30_000 });
process.stdout.write("launched\n");
process.exit(0);
