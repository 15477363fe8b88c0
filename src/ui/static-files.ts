/** The page's files (src/ui/public, copied beside the compiled code), read once and served from memory. */
import { readFileSync } from "node:fs";

const FILES = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/highlight.js": { file: "highlight.js", type: "text/javascript; charset=utf-8" },
  "/queue.js": { file: "queue.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
} as const;

/** A file of the page: its content and type. */
export interface StaticFile {
  body: string;
  type: string;
}

/** The page's files by URL path. */
export function loadStaticFiles(): Map<string, StaticFile> {
  const folder = new URL("./public/", import.meta.url);
  return new Map(Object.entries(FILES).map(([path, { file, type }]) => [path, { body: readFileSync(new URL(file, folder), "utf8"), type }]));
}
