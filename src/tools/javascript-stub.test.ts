import { describe, expect, it } from "vitest";
import { z } from "zod";

import { renderJavaScriptStub } from "./javascript-stub.js";
import { renderJavaScriptType } from "./javascript-type.js";
import { tool, toolFromJsonSchema } from "./tool.js";

describe("renderJavaScriptStub", () => {
  it("renders a JSDoc'd function taking named arguments", () => {
    const getWeather = tool({
      name: "get_weather",
      description: "Current weather for a city.",
      inputSchema: z.object({
        city: z.string().describe("City name, e.g. 'Paris'"),
        unit: z.enum(["c", "f"]).default("c").describe("Temperature unit."),
      }),
      outputSchema: z.string(),
      execute: ({ city }) => `Sunny in ${city}`,
    });
    expect(renderJavaScriptStub(getWeather)).toBe(
      [
        "/**",
        " * Current weather for a city.",
        " * @param {object} args",
        " * @param {string} args.city - City name, e.g. 'Paris'",
        ' * @param {"c" | "f"} [args.unit="c"] - Temperature unit.',
        " * @returns {string}",
        " */",
        "function get_weather({ city, unit }) {}",
      ].join("\n"),
    );
  });

  it("renders a rich schema with inline object types", () => {
    const bookTrip = tool({
      name: "book_trip",
      description: "Books a trip.\n\nOnly after the user confirmed.",
      inputSchema: z.object({
        destination: z.string().describe("Where to go."),
        address: z.object({ street: z.string(), zip: z.string().optional() }).describe("Where to\nsend tickets."),
        travellers: z.array(z.object({ name: z.string(), age: z.number().int().optional() })),
        note: z.string().nullable(),
        tags: z.array(z.union([z.string(), z.number()])).optional(),
        seats: z.array(z.string()).default(["aisle"]),
        extras: z.record(z.string(), z.boolean()).optional(),
      }),
      outputSchema: z.object({ id: z.string() }).describe("The booking."),
      execute: () => ({ id: "1" }),
    });
    expect(renderJavaScriptStub(bookTrip)).toBe(
      [
        "/**",
        " * Books a trip.",
        " *",
        " * Only after the user confirmed.",
        " * @param {object} args",
        " * @param {string} args.destination - Where to go.",
        " * @param {{ street: string, zip?: string }} args.address - Where to",
        " *   send tickets.",
        " * @param {{ name: string, age?: number }[]} args.travellers",
        " * @param {string | null} args.note",
        " * @param {(string | number)[]} [args.tags]",
        ' * @param {string[]} [args.seats=["aisle"]]',
        " * @param {Record<string, boolean>} [args.extras]",
        " * @returns {{ id: string }} The booking.",
        " */",
        "function book_trip({ destination, address, travellers, note, tags, seats, extras }) {}",
      ].join("\n"),
    );
  });

  it("renders a tool without parameters and without an output schema", () => {
    const now = tool({ name: "now", description: "Current time. Ends with */ on purpose", inputSchema: z.object({}), execute: () => 0 });
    expect(renderJavaScriptStub(now)).toBe(
      ["/**", " * Current time. Ends with *\\/ on purpose", " * @returns {any}", " */", "function now() {}"].join("\n"),
    );
  });

  it("falls back to a plain `args` parameter when a name cannot be a binding", () => {
    const sendMail = toolFromJsonSchema({
      name: "send_mail",
      description: "Sends mail.",
      parameters: {
        type: "object",
        properties: { to: { type: "string" }, "reply-to": { type: "string" }, class: { type: "string" } },
        required: ["to"],
      },
      execute: () => "sent",
    });
    expect(renderJavaScriptStub(sendMail)).toBe(
      [
        "/**",
        " * Sends mail.",
        " * @param {object} args",
        " * @param {string} args.to",
        ' * @param {string} [args["reply-to"]]',
        " * @param {string} [args.class]",
        " * @returns {any}",
        " */",
        "function send_mail(args) {}",
      ].join("\n"),
    );
  });

  it("shows that extra named arguments are accepted", () => {
    const tag = tool({ name: "tag", description: "Tags.", inputSchema: z.looseObject({ id: z.string() }), execute: () => "" });
    expect(renderJavaScriptStub(tag).split("\n").at(-1)).toBe("function tag({ id, ...others }) {}");
  });
});

describe("renderJavaScriptType", () => {
  it.each([
    [{ type: "integer" }, "number"],
    [{}, "any"],
    [{ type: "array", prefixItems: [{ type: "string" }, { type: "number" }] }, "[string, number]"],
    [{ enum: ["a", null] }, '"a" | null'],
    [{ type: ["null", "string"] }, "string | null"],
    [{ type: "object", properties: { "a-b": { type: "string" } }, required: ["a-b"] }, '{ "a-b": string }'],
    [{ type: "object" }, "object"],
  ])("%j is %s", (schema, expected) => {
    expect(renderJavaScriptType(schema)).toBe(expected);
  });
});
