import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { invokeTool } from "../invoke-tool.js";
import { visitWebpageTool } from "./visit-webpage.js";

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === "/page") {
      response.setHeader("content-type", "text/html; charset=utf-8");
      response.end("<html><head><script>var hidden = 1;</script></head><body><h1>Title</h1><p>Some <a href='/x'>link</a>.</p></body></html>");
    } else if (request.url === "/long") {
      response.setHeader("content-type", "text/plain");
      response.end("y".repeat(500));
    } else {
      response.statusCode = 404;
      response.end("nope");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("visit_webpage", () => {
  test("returns the page as markdown, without scripts", async () => {
    const text = (await invokeTool(visitWebpageTool(), { args: [`${base}/page`], kwargs: {} })) as string;
    expect(text).toContain("# Title");
    expect(text).toContain("[link](/x)");
    expect(text).not.toContain("hidden");
  });

  test("cuts long pages with a note", async () => {
    const text = (await invokeTool(visitWebpageTool({ maxChars: 100 }), { args: [`${base}/long`], kwargs: {} })) as string;
    expect(text).toContain("[page cut: 400 more characters]");
  });

  test("an error status is a tool error with the status", async () => {
    await expect(invokeTool(visitWebpageTool(), { args: [`${base}/missing`], kwargs: {} })).rejects.toThrow(/404/);
  });

  test("a malformed URL is an argument error", async () => {
    await expect(invokeTool(visitWebpageTool(), { args: ["not a url"], kwargs: {} })).rejects.toThrow(/url/i);
  });
});
