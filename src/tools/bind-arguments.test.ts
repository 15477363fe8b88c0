import { describe, expect, it } from "vitest";
import { z } from "zod";

import { ToolArgumentError } from "../errors.js";
import { bindArguments, unwrapObjectArgument, type ToolInvocation } from "./bind-arguments.js";
import { tool, toolFromJsonSchema, type Tool } from "./tool.js";
import { toolParameterOrder } from "./tool-parameters.js";

const getWeather = tool({
  name: "get_weather",
  description: "Current weather for a city.",
  inputSchema: z.object({
    unit: z.enum(["c", "f"]).default("c"),
    city: z.string(),
    days: z.number().int().optional(),
  }),
  execute: ({ city }) => `Sunny in ${city}`,
});

const save = tool({
  name: "save",
  description: "Saves data.",
  inputSchema: z.object({ data: z.record(z.string(), z.unknown()), path: z.string().optional() }),
  execute: () => undefined,
});

function bindingError(invocation: ToolInvocation, target: Tool = getWeather): string {
  try {
    bindArguments(target, invocation);
  } catch (error) {
    expect(error).toBeInstanceOf(ToolArgumentError);
    expect((error as ToolArgumentError).toolName).toBe(target.name);
    return (error as Error).message;
  }
  throw new Error("expected a ToolArgumentError");
}

describe("toolParameterOrder", () => {
  it("puts required parameters first, each group in schema order", () => {
    expect(toolParameterOrder(getWeather)).toEqual(["city", "unit", "days"]);
  });
});

describe("bindArguments", () => {
  it("maps positional arguments in parameter order and merges keyword arguments", () => {
    expect(bindArguments(getWeather, { args: ["Paris", "f"], kwargs: { days: 2 } })).toEqual({
      city: "Paris",
      unit: "f",
      days: 2,
    });
    expect(bindArguments(getWeather, { args: [], kwargs: { city: "Paris" } })).toEqual({ city: "Paris" });
  });

  it("treats undefined as not given, and None for an optional non-nullable parameter as not given", () => {
    expect(bindArguments(getWeather, { args: ["Paris", undefined], kwargs: { unit: "f", days: null } })).toEqual({
      city: "Paris",
      unit: "f",
    });
  });

  it("rejects too many positional arguments", () => {
    expect(bindingError({ args: ["Paris", "c", 1, 2], kwargs: {} })).toBe(
      "get_weather() takes 3 positional arguments but 4 were given",
    );
    const now = tool({ name: "now", description: "Now.", inputSchema: z.object({}), execute: () => 0 });
    expect(bindingError({ args: ["x"], kwargs: {} }, now)).toBe("now() takes 0 positional arguments but 1 was given");
  });

  it("rejects an argument given both positionally and by keyword", () => {
    expect(bindingError({ args: ["Paris"], kwargs: { city: "Lyon" } })).toBe(
      "get_weather() got multiple values for argument 'city'",
    );
  });

  it("rejects unknown keyword arguments and lists the valid ones", () => {
    expect(bindingError({ args: [], kwargs: { town: "Paris" } })).toBe(
      "get_weather() got an unexpected keyword argument 'town'. Valid arguments: 'city', 'unit', 'days'.",
    );
    expect(bindingError({ args: ["Paris"], kwargs: { a: 1, b: 2 } })).toMatch(
      /^get_weather\(\) got unexpected keyword arguments 'a', 'b'\./,
    );
    expect(bindingError({ args: [], kwargs: { town: "Paris" }, language: "javascript" })).toMatch(
      /^get_weather\(\) got an unexpected argument 'town'\./,
    );
  });

  it("accepts extra keyword arguments when the schema allows them", () => {
    const loose = tool({ name: "tag", description: "Tags.", inputSchema: z.looseObject({ id: z.string() }), execute: () => 0 });
    expect(bindArguments(loose, { args: ["a"], kwargs: { color: "red" } })).toEqual({ id: "a", color: "red" });
  });

  it("rejects missing required arguments", () => {
    expect(bindingError({ args: [], kwargs: { unit: "c" } })).toBe("get_weather() missing required argument: 'city'");
    const route = tool({
      name: "route",
      description: "Route.",
      inputSchema: z.object({ origin: z.string(), target: z.string() }),
      execute: () => 0,
    });
    expect(bindingError({ args: [], kwargs: {} }, route)).toBe(
      "route() missing required arguments: 'origin', 'target'",
    );
  });

  it("accepts Python aliases of parameter names that are not legal in Python", () => {
    const sendMail = toolFromJsonSchema({
      name: "send_mail",
      description: "Sends mail.",
      parameters: { type: "object", properties: { from: { type: "string" }, "reply-to": { type: "string" } } },
      execute: () => "sent",
    });
    expect(bindArguments(sendMail, { args: [], kwargs: { from_: "a", reply_to: "b" } })).toEqual({
      from: "a",
      "reply-to": "b",
    });
    expect(bindArguments(sendMail, { args: [], kwargs: { from: "a" } })).toEqual({ from: "a" });
  });

  it("keeps keywords such as __proto__ as plain data", () => {
    const loose = toolFromJsonSchema({
      name: "echo",
      description: "Echo.",
      parameters: { type: "object", additionalProperties: true },
      execute: (args) => args,
    });
    const kwargs = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const bound = bindArguments(loose, { args: [], kwargs });
    expect(Object.getPrototypeOf(bound)).toBe(Object.prototype);
    expect(Object.keys(bound)).toEqual(["__proto__"]);
  });
});

describe("unwrapObjectArgument", () => {
  const call = (args: unknown[], language?: "python" | "javascript"): ToolInvocation =>
    language === undefined ? { args, kwargs: {} } : { args, kwargs: {}, language };

  it("reads a single object of parameter names as named arguments", () => {
    expect(unwrapObjectArgument(getWeather, call([{ city: "Paris" }]))).toEqual({ args: [], kwargs: { city: "Paris" } });
    expect(bindArguments(getWeather, call([{ city: "Paris", unit: "f" }]))).toEqual({ city: "Paris", unit: "f" });
  });

  it("leaves other calls alone", () => {
    for (const invocation of [
      call(["Paris"]),
      call([{ city: "Paris" }, "f"]),
      { args: [{ city: "Paris" }], kwargs: { unit: "f" } },
      call([[1, 2]]),
      call([new Date(0)]),
    ]) {
      expect(unwrapObjectArgument(getWeather, invocation)).toBe(invocation);
    }
  });

  it("in Python, keeps an object with unknown keys as a positional argument", () => {
    const invocation = call([{ town: "Paris" }]);
    expect(unwrapObjectArgument(getWeather, invocation)).toBe(invocation);
  });

  it("in JavaScript, reads any object as named arguments when the first parameter cannot take one", () => {
    expect(bindingError(call([{ town: "Paris" }], "javascript"))).toMatch(/unexpected argument 'town'/);
  });

  it("passes an object positionally when the first parameter takes objects", () => {
    expect(bindArguments(save, call([{ path: "/tmp/x" }]))).toEqual({ data: { path: "/tmp/x" } });
    expect(bindArguments(save, call([{ data: { a: 1 } }]))).toEqual({ data: { data: { a: 1 } } });
  });

  it("in JavaScript, reads a full set of named arguments as such even when the first parameter takes objects", () => {
    expect(bindArguments(save, call([{ data: { a: 1 }, path: "/tmp/x" }], "javascript"))).toEqual({
      data: { a: 1 },
      path: "/tmp/x",
    });
    // `data` is required and absent, so the object can only be the data itself.
    expect(bindArguments(save, call([{ path: "/tmp/x" }], "javascript"))).toEqual({ data: { path: "/tmp/x" } });
  });
});
