// tsc compiles only TypeScript; the sandbox's own scripts (run by Deno) and Python sources are
// copied beside the compiled files so `dist/` works on its own, and so is the web UI's page (src/ui/public).
import { cpSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const source = "src";
const target = "dist";
const ASSET = /\.(mjs|py|txt|md|yaml|html|css|js)$/;

function copyAssets(directory) {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (ASSET.test(name)) cpSync(path, join(target, relative(source, path)));
  }
}

copyAssets(source);
