import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { invokeTool } from "../invoke-tool.js";
import { visitWebpageTool, type VisitWebpageOptions } from "./visit-webpage.js";

let server: Server;
let base: string;
let port: number;
const received: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push(request.url ?? "");
    const redirect = (location: string) => {
      response.statusCode = 302;
      response.setHeader("location", location);
      response.end();
    };
    if (request.url === "/page") {
      response.setHeader("content-type", "text/html; charset=utf-8");
      response.end("<html><head><script>var hidden = 1;</script></head><body><h1>Title</h1><p>Some <a href='/x'>link</a>.</p></body></html>");
    } else if (request.url === "/long") {
      response.setHeader("content-type", "text/plain");
      response.end("y".repeat(500));
    } else if (request.url === "/gzip") {
      response.setHeader("content-type", "text/plain; charset=utf-8");
      response.setHeader("content-encoding", "gzip");
      response.end(gzipSync("unpacked café"));
    } else if (request.url === "/latin1") {
      response.setHeader("content-type", "text/plain; charset=iso-8859-1");
      response.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    } else if (request.url === "/slow") {
      // Never answers: the tool's time limit must end the visit.
    } else if (request.url === "/redirect") {
      redirect("/page");
    } else if (request.url === "/loop") {
      redirect("/loop");
    } else if (request.url === "/to-file") {
      redirect("file:///etc/passwd");
    } else {
      response.statusCode = 404;
      response.end("nope");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

const visit = (url: string, options: VisitWebpageOptions = {}) => invokeTool(visitWebpageTool(options), { args: [url], kwargs: {} }) as Promise<string>;
/** The test server is on 127.0.0.1, so reading it needs the private network allowed. */
const local = { allowPrivateNetwork: true };

describe("visit_webpage", () => {
  test("returns the page as markdown, without scripts", async () => {
    const text = await visit(`${base}/page`, local);
    expect(text).toContain("# Title");
    expect(text).toContain("[link](/x)");
    expect(text).not.toContain("hidden");
  });

  test("cuts long pages with a note", async () => {
    expect(await visit(`${base}/long`, { ...local, maxChars: 100 })).toContain("[page cut: 400 more characters]");
  });

  test("an error status is a tool error with the status", async () => {
    await expect(visit(`${base}/missing`, local)).rejects.toThrow(/404/);
  });

  test("a malformed URL is an argument error", async () => {
    await expect(visit("not a url")).rejects.toThrow(/url/i);
  });

  test("gzip bodies are unpacked, and the charset is honoured", async () => {
    expect(await visit(`${base}/gzip`, local)).toBe("unpacked café");
    expect(await visit(`${base}/latin1`, local)).toBe("café");
  });

  test("a page that does not answer in time is a tool error saying so", async () => {
    await expect(visit(`${base}/slow`, { ...local, timeoutMs: 200 })).rejects.toThrow(/did not answer within 200 ms/);
  });

  test("redirects are followed, a bounded number of times, to http(s) only", async () => {
    expect(await visit(`${base}/redirect`, local)).toContain("# Title");
    await expect(visit(`${base}/loop`, { ...local, maxRedirects: 3 })).rejects.toThrow(/redirected more than 3 times/);
    await expect(visit(`${base}/to-file`, local)).rejects.toThrow(/only http and https.*file:/);
  });
});

describe("visit_webpage refuses this machine and its private network by default", () => {
  const refusal = /refused to visit .*Pages on this machine or its private network are not fetched.*allowPrivateNetwork: true/;

  test("the test server on 127.0.0.1, which it can read once allowed, is refused without a request", async () => {
    const before = received.length;
    await expect(visit(`${base}/page`)).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    await expect(visit(`${base}/page`)).rejects.toThrow(refusal);
    expect(received.length).toBe(before);
  });

  test.each([
    ["localhost, after DNS resolution", () => `http://localhost:${port}/page`, /localhost resolves to .*, which is a loopback address/],
    ["IPv6 loopback", () => `http://[::1]:${port}/page`, /loopback/],
    ["IPv4-mapped IPv6", () => `http://[::ffff:127.0.0.1]:${port}/page`, /loopback \(127\.0\.0\.1 inside an IPv6 address\)/],
    ["a decimal IPv4", () => `http://2130706433:${port}/page`, /loopback/],
    ["a hexadecimal IPv4", () => `http://0x7f.1:${port}/page`, /loopback/],
    ["private 10/8", () => "http://10.0.0.1/", /private/],
    ["private 172.16/12", () => "http://172.20.1.1/", /private/],
    ["private 192.168/16", () => "http://192.168.0.1/admin", /private/],
    ["link-local cloud metadata", () => "http://169.254.169.254/latest/meta-data/", /link-local/],
    ["unspecified", () => `http://0.0.0.0:${port}/page`, /unspecified/],
    ["multicast", () => "http://224.0.0.1/", /multicast/],
    ["IPv6 link-local", () => "http://[fe80::1]/", /link-local/],
    ["IPv6 unique-local", () => "http://[fd00::1]/", /unique-local/],
    ["IPv6 multicast", () => "http://[ff02::1]/", /multicast/],
    ["IPv6 unspecified", () => "http://[::]/", /unspecified/],
  ])("%s", async (_name, url, range) => {
    const error = (await visit(url()).then(
      () => undefined,
      (caught: unknown) => caught,
    )) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(refusal);
    expect(error.message).toMatch(range);
  });

  test("a name that resolves to a private address is refused; one public address among private ones is the only one used", async () => {
    const resolve = async (hostname: string) => (hostname === "intranet.example" ? ["10.0.0.5", "fd00::5"] : []);
    await expect(visit("http://intranet.example/", { resolve })).rejects.toThrow(/intranet\.example resolves to 10\.0\.0\.5, which is a private address/);
  });

  test("the connection goes to the address that was resolved and checked, resolved once per request", async () => {
    const lookups: string[] = [];
    // No system resolver knows this name: the page can only load if the socket uses our answer.
    const resolve = async (hostname: string) => {
      lookups.push(hostname);
      return ["127.0.0.1"];
    };
    expect(await visit(`http://pinned.test:${port}/redirect`, { ...local, resolve })).toContain("# Title");
    expect(lookups).toEqual(["pinned.test", "pinned.test"]);
  });

  test("a redirect to loopback is refused", async () => {
    const before = received.length;
    const redirecting: typeof fetch = async (input) => {
      if (String(input) === "https://public.example/start") return new Response(null, { status: 302, headers: { location: `http://127.0.0.1:${port}/page` } });
      if (String(input) === "https://public.example/by-name") return new Response(null, { status: 301, headers: { location: `http://admin.internal:${port}/page` } });
      return fetch(input);
    };
    const resolve = async (hostname: string) => (hostname === "public.example" ? ["93.184.215.14"] : ["127.0.0.1"]);
    await expect(visit("https://public.example/start", { fetch: redirecting, resolve })).rejects.toThrow(/refused to visit http:\/\/127\.0\.0\.1:\d+\/page: 127\.0\.0\.1 is a loopback address/);
    await expect(visit("https://public.example/by-name", { fetch: redirecting, resolve })).rejects.toThrow(/admin\.internal resolves to 127\.0\.0\.1, which is a loopback address/);
    expect(received.length).toBe(before);
  });
});
