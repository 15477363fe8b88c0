/**
 * Runs the codeagent command in this process with the real stdin and stdout, for tests that start
 * `codeagent mcp-server` as a stdio MCP server (through vite-node, without building dist/).
 */
import { runCli } from "../../../src/cli/run-cli.js";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
