import { describe, expect, it } from "vitest";
import { z } from "zod";

import { renderPythonStub } from "./python-stub.js";
import { renderPythonType } from "./python-type.js";
import { tool, toolFromJsonSchema } from "./tool.js";

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

const bookTrip = tool({
  name: "book_trip",
  description: "Books a trip.\n\nOnly after the user confirmed.",
  inputSchema: z.object({
    destination: z.string().describe("Where to go."),
    nights: z.number().int().describe("How many nights."),
    address: z
      .object({
        street: z.string().describe("Street and number."),
        zip: z.string().optional().describe("Postal code."),
      })
      .describe("Where to send the tickets."),
    travellers: z.array(z.object({ name: z.string(), age: z.number().int().optional() })),
    note: z.string().nullable().describe("A note.\nMay span lines."),
    tags: z.array(z.string()).optional(),
    budget: z.number().optional(),
    flexible: z.boolean().default(false),
    seats: z.array(z.string()).default(["aisle"]),
    extras: z.record(z.string(), z.boolean()).optional(),
    anything: z.any().optional(),
  }),
  execute: () => "booked",
});

describe("renderPythonStub", () => {
  it("renders a signature with defaults and a Google-style docstring", () => {
    expect(renderPythonStub(getWeather)).toBe(
      [
        'def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:',
        '    """Current weather for a city.',
        "",
        "    Args:",
        "        city: City name, e.g. 'Paris'",
        "        unit: Temperature unit.",
        '    """',
      ].join("\n"),
    );
  });

  it("renders a rich schema: required first, nested keys spelled out, Any without an output schema", () => {
    expect(renderPythonStub(bookTrip)).toBe(
      [
        "def book_trip(",
        "    destination: str,",
        "    nights: int,",
        "    address: dict,",
        "    travellers: list[dict],",
        "    note: str | None,",
        "    tags: list[str] | None = None,",
        "    budget: float | None = None,",
        "    flexible: bool = False,",
        '    seats: list[str] = ["aisle"],',
        "    extras: dict[str, bool] | None = None,",
        "    anything: Any = None,",
        ") -> Any:",
        '    """Books a trip.',
        "",
        "    Only after the user confirmed.",
        "",
        "    Args:",
        "        destination: Where to go.",
        "        nights: How many nights.",
        "        address: Where to send the tickets. A dict with keys:",
        "            street (str): Street and number.",
        "            zip (str, optional): Postal code.",
        "        travellers: Each item is a dict with keys:",
        "            name (str)",
        "            age (int, optional)",
        "        note: A note.",
        "            May span lines.",
        '    """',
      ].join("\n"),
    );
  });

  it("describes the keys of an object result", () => {
    const forecast = tool({
      name: "forecast",
      description: "Forecast.",
      inputSchema: z.object({}),
      outputSchema: z
        .object({ high: z.number().describe("Degrees."), summary: z.string().nullable() })
        .describe("Tomorrow's forecast."),
      execute: () => ({ high: 20, summary: null }),
    });
    expect(renderPythonStub(forecast)).toBe(
      [
        "def forecast() -> dict:",
        '    """Forecast.',
        "",
        "    Returns:",
        "        Tomorrow's forecast. A dict with keys:",
        "            high (float): Degrees.",
        "            summary (str | None)",
        '    """',
      ].join("\n"),
    );
  });

  it("writes a one-line docstring when there is nothing else to say", () => {
    const now = tool({ name: "now", description: "Current time.", inputSchema: z.object({}), execute: () => 0 });
    expect(renderPythonStub(now)).toBe('def now() -> Any:\n    """Current time."""');
  });

  it("keeps the docstring closed whatever the description contains", () => {
    const quoting = tool({
      name: "quote",
      description: 'Wraps text in """triple quotes""" and "quotes"',
      inputSchema: z.object({}),
      execute: () => "",
    });
    expect(renderPythonStub(quoting)).toBe(
      ['def quote() -> Any:', '    """Wraps text in \\"\\"\\"triple quotes\\"\\"\\" and "quotes"', '    """'].join("\n"),
    );
  });

  it("removes the indentation of template-literal descriptions", () => {
    const indented = tool({
      name: "indented",
      description: `First line.
        Second line.
          Indented more.`,
      inputSchema: z.object({}),
      execute: () => "",
    });
    expect(renderPythonStub(indented)).toContain(
      ['    """First line.', "    Second line.", "      Indented more.", '    """'].join("\n"),
    );
  });

  it("renders extra keyword arguments of a loose object as **kwargs", () => {
    const tag = tool({
      name: "tag",
      description: "Tags.",
      inputSchema: z.object({ id: z.string() }).catchall(z.number()),
      execute: () => "",
    });
    expect(renderPythonStub(tag).split("\n")[0]).toBe("def tag(id: str, **kwargs: float) -> Any:");
  });

  it("renames parameters that are not legal Python names, for JSON Schema tools", () => {
    const sendMail = toolFromJsonSchema({
      name: "send_mail",
      description: "Sends mail.",
      parameters: {
        type: "object",
        properties: {
          from: { type: "string", description: "Sender." },
          "reply-to": { type: "string" },
          to: { type: "array", items: { type: "string" } },
        },
        required: ["from", "to"],
      },
      execute: () => "sent",
    });
    expect(renderPythonStub(sendMail)).toBe(
      [
        "def send_mail(from_: str, to: list[str], reply_to: str | None = None) -> Any:",
        '    """Sends mail.',
        "",
        "    Args:",
        "        from_: Sender.",
        '    """',
      ].join("\n"),
    );
  });
});

describe("renderPythonStub for tools without a description", () => {
  const parameters = { type: "object", properties: { query: { type: "string", description: "Search terms." } } };

  it("still documents the arguments", () => {
    const search = toolFromJsonSchema({ name: "search", description: "", parameters, execute: () => [] });
    expect(renderPythonStub(search)).toBe(
      [
        "def search(query: str | None = None) -> Any:",
        '    """',
        "    Args:",
        "        query: Search terms.",
        '    """',
      ].join("\n"),
    );
  });

  it("renders an empty body when there is nothing to document", () => {
    const ping = toolFromJsonSchema({ name: "ping", description: "", parameters: { type: "object" }, execute: () => 1 });
    expect(renderPythonStub(ping)).toBe("def ping() -> Any:\n    ...");
  });
});

describe("renderPythonType", () => {
  it.each([
    [{ type: "string" }, "str"],
    [{ type: "integer" }, "int"],
    [{ type: "number" }, "float"],
    [{ type: "boolean" }, "bool"],
    [{ type: "null" }, "None"],
    [{}, "Any"],
    [true, "Any"],
    [{ type: "array" }, "list"],
    [{ type: "array", items: { type: "integer" } }, "list[int]"],
    [{ type: "array", prefixItems: [{ type: "string" }, { type: "number" }] }, "tuple[str, float]"],
    [{ type: "object" }, "dict"],
    [{ type: "object", additionalProperties: { type: "string" } }, "dict[str, str]"],
    [{ type: "object", properties: { a: { type: "string" } } }, "dict"],
    [{ enum: ["a", "b", null] }, 'Literal["a", "b"] | None'],
    [{ enum: [1, true] }, "Literal[1, True]"],
    [{ const: "x" }, 'Literal["x"]'],
    [{ anyOf: [{ const: "a" }, { const: "b" }] }, 'Literal["a", "b"]'],
    [{ type: ["string", "null"] }, "str | None"],
    [{ anyOf: [{ type: "null" }, { type: "integer" }] }, "int | None"],
    [{ anyOf: [{ type: "string" }, {}] }, "Any"],
    [{ type: "string", nullable: true }, "str | None"],
    [{ type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] } }, "list[str | int]"],
    [{ allOf: [{ type: "string" }] }, "str"],
  ])("%j is %s", (schema, expected) => {
    expect(renderPythonType(schema)).toBe(expected);
  });

  it("follows references and stops at recursive ones", () => {
    const root = {
      type: "object",
      properties: { tree: { $ref: "#/$defs/node" } },
      $defs: {
        node: {
          type: "object",
          properties: { children: { type: "array", items: { $ref: "#/$defs/node" } } },
        },
        name: { type: "string" },
      },
    };
    expect(renderPythonType({ $ref: "#/$defs/name" }, root)).toBe("str");
    expect(renderPythonType({ $ref: "#/$defs/missing" }, root)).toBe("Any");
    const recursive = tool({
      name: "walk",
      description: "Walks a tree.",
      inputSchema: z.object({ root: treeNode }),
      execute: () => 0,
    });
    expect(renderPythonStub(recursive)).toContain("            children (list[dict])");
  });
});

interface TreeNode {
  name: string;
  children: TreeNode[];
}
const treeNode: z.ZodType<TreeNode> = z.object({
  name: z.string(),
  get children() {
    return z.array(treeNode);
  },
});
