import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { z as zod3 } from "zod3";
import { z as zod3v4 } from "zod3/v4";

import { AgentError, ToolDefinitionError } from "../errors.js";
import { tool, toolFromJsonSchema, type Tool } from "./tool.js";

const weatherDefinition = {
  name: "get_weather",
  description: "Current weather for a city.",
  inputSchema: z.object({ city: z.string().describe("City name, e.g. 'Paris'") }),
  outputSchema: z.string(),
  execute: async ({ city }: { city: string }) => `Sunny in ${city}`,
};

function definitionError(define: () => unknown): ToolDefinitionError {
  try {
    define();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolDefinitionError);
    expect(AgentError.isInstance(error)).toBe(true);
    return error as ToolDefinitionError;
  }
  throw new Error("expected a ToolDefinitionError");
}

describe("tool", () => {
  it("keeps the definition and derives JSON Schemas for the arguments and the result", () => {
    const getWeather = tool(weatherDefinition);
    expect(getWeather.name).toBe("get_weather");
    expect(getWeather.description).toBe("Current weather for a city.");
    expect(getWeather.inputSchema).toBe(weatherDefinition.inputSchema);
    expect(getWeather.outputSchema).toBe(weatherDefinition.outputSchema);
    expect(getWeather.parameters).toEqual({
      type: "object",
      properties: { city: { type: "string", description: "City name, e.g. 'Paris'" } },
      required: ["city"],
    });
    expect(getWeather.returns).toEqual({ type: "string" });
    expect(Object.isFrozen(getWeather)).toBe(true);
  });

  it("leaves optional and defaulted arguments out of `required`", () => {
    const search = tool({
      name: "search",
      description: "Searches.",
      inputSchema: z.object({ query: z.string(), limit: z.number().default(10), site: z.string().optional() }),
      execute: () => [],
    });
    expect(search.parameters.required).toEqual(["query"]);
    expect(search.returns).toBeUndefined();
    expect(search.outputSchema).toBeUndefined();
  });

  it("renders types JSON Schema cannot express as `any` instead of failing", () => {
    const schedule = tool({
      name: "schedule",
      description: "Schedules.",
      inputSchema: z.object({ at: z.date() }),
      execute: () => undefined,
    });
    expect(schedule.parameters.properties).toEqual({ at: {} });
  });

  it("types execute's arguments from the schema and fits in a Tool[]", () => {
    tool({
      ...weatherDefinition,
      execute: (args) => {
        expectTypeOf(args).toEqualTypeOf<{ city: string }>();
        return "ok";
      },
    });
    const tools: Tool[] = [tool(weatherDefinition)];
    expect(tools).toHaveLength(1);
  });

  it.each([
    ["get-weather", /not a valid Python and JavaScript identifier.*"get_weather"/],
    ["2fast", /not a valid Python and JavaScript identifier.*"tool_2fast"/],
    ["get weather", /not a valid Python and JavaScript identifier/],
    ["", /not a valid Python and JavaScript identifier/],
    ["café", /not a valid Python and JavaScript identifier/],
    ["$tool", /not a valid Python and JavaScript identifier/],
  ])("rejects the name %j", (name, message) => {
    expect(definitionError(() => tool({ ...weatherDefinition, name })).message).toMatch(message);
  });

  it.each([
    ["lambda", "Python"],
    ["None", "Python"],
    ["async", "Python"],
    ["delete", "JavaScript"],
    ["let", "JavaScript"],
    ["undefined", "JavaScript"],
  ])("rejects the reserved word %j", (name, language) => {
    const error = definitionError(() => tool({ ...weatherDefinition, name }));
    expect(error.message).toBe(
      `Tool name "${name}" is a reserved word in ${language} and cannot name a function. Choose another name, e.g. "${name}_tool".`,
    );
  });

  it.each(["print", "len", "range", "open", "sum", "type", "ValueError", "Exception", "__import__", "__name__", "__custom__"])(
    "rejects the Python built-in %j, which the tool would replace in the sandbox",
    (name) => {
      const error = definitionError(() => tool({ ...weatherDefinition, name }));
      expect(error.message).toMatch(new RegExp(`^Tool name "${name}" is .*Python.*Choose another name, e.g. "\\w+"`));
      expect(error.message).toContain("would replace");
    },
  );

  it.each(["console", "JSON", "Math", "Object", "Array", "Promise", "globalThis", "parseInt", "Symbol", "Error"])(
    "rejects the JavaScript global %j",
    (name) => {
      const error = definitionError(() => tool({ ...weatherDefinition, name }));
      expect(error.message).toMatch(new RegExp(`^Tool name "${name}" is a JavaScript global.*would replace`));
    },
  );

  it("accepts names that only resemble built-ins", () => {
    for (const name of ["print_report", "length", "json", "math_eval", "Print", "_private", "sum_values"]) {
      expect(tool({ ...weatherDefinition, name }).name).toBe(name);
    }
  });

  it("accepts Python soft keywords, which are legal function names", () => {
    expect(tool({ ...weatherDefinition, name: "match" }).name).toBe("match");
  });

  it("rejects final_answer, which every agent provides itself", () => {
    expect(definitionError(() => tool({ ...weatherDefinition, name: "final_answer" })).message).toMatch(
      /"final_answer" is reserved/,
    );
  });

  it("rejects an inputSchema that is not a zod object", () => {
    const error = definitionError(() =>
      tool({ ...weatherDefinition, inputSchema: z.string() as unknown as z.ZodObject<{ city: z.ZodString }> }),
    );
    expect(error.message).toMatch(/inputSchema must be a zod object schema, e.g. z.object/);
  });

  it("a schema from zod 3 is refused with the version and what to do", () => {
    const inputSchema = zod3.object({ city: zod3.string() }) as unknown as z.ZodObject<{ city: z.ZodString }>;
    const error = definitionError(() => tool({ ...weatherDefinition, inputSchema }));
    expect(error.message).toMatch(/inputSchema comes from zod 3.*needs zod 4 .*npm install zod@\^4.*"zod\/v4"/);
    const outputSchema = zod3.string() as unknown as z.ZodString;
    expect(definitionError(() => tool({ ...weatherDefinition, outputSchema })).message).toMatch(/outputSchema comes from zod 3/);
  });

  it("a schema from another copy of zod 4 (zod 3.25's zod/v4) works", () => {
    const inputSchema = zod3v4.object({ city: zod3v4.string().describe("City name") }) as unknown as z.ZodObject<{ city: z.ZodString }>;
    const fromOtherCopy = tool({ ...weatherDefinition, inputSchema, outputSchema: undefined });
    expect(fromOtherCopy.parameters).toEqual({ type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] });
  });

  it("rejects a missing description and a missing execute", () => {
    expect(definitionError(() => tool({ ...weatherDefinition, description: " " })).message).toMatch(
      /needs a description/,
    );
    const withoutExecute = { ...weatherDefinition, execute: undefined } as unknown as typeof weatherDefinition;
    expect(definitionError(() => tool(withoutExecute)).message).toMatch(/needs an execute function/);
  });

  it("reports schemas zod cannot convert as definition errors", () => {
    const a = z.string().meta({ id: "Same" });
    const b = z.number().meta({ id: "Same" });
    const error = definitionError(() => tool({ ...weatherDefinition, inputSchema: z.object({ city: z.string(), a, b }) }));
    expect(error.message).toMatch(/inputSchema cannot be converted to JSON Schema/);
  });
});

describe("needsApproval", () => {
  it("is kept on the tool, as a boolean or a function of the arguments", () => {
    const always = tool({ ...weatherDefinition, needsApproval: true });
    expect(always.needsApproval).toBe(true);
    const some = tool({ ...weatherDefinition, needsApproval: ({ city }) => city === "Paris" });
    expect(typeof some.needsApproval === "function" && some.needsApproval({ city: "Paris" })).toBe(true);
    expect("needsApproval" in tool(weatherDefinition)).toBe(false);
    const fromJson = toolFromJsonSchema({ name: "wipe", description: "", parameters: { type: "object", properties: {} }, execute: () => 1, needsApproval: true });
    expect(fromJson.needsApproval).toBe(true);
  });

  it("rejects a value that is neither a boolean nor a function", () => {
    const error = definitionError(() => tool({ ...weatherDefinition, needsApproval: "yes" as unknown as boolean }));
    expect(error.message).toContain("needsApproval must be true, false, or a function");
  });
});

describe("toolFromJsonSchema", () => {
  const parameters = {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
  };

  it("builds a tool without zod schemas", () => {
    const execute = () => "sunny";
    const getWeather = toolFromJsonSchema({ name: "get_weather", description: "Weather.", parameters, execute });
    expect(getWeather).toEqual({ name: "get_weather", description: "Weather.", parameters, execute });
    expect(getWeather.inputSchema).toBeUndefined();
  });

  it("applies the same name rules", () => {
    const define = () => toolFromJsonSchema({ name: "final_answer", description: "x", parameters, execute: () => 1 });
    expect(definitionError(define).message).toMatch(/reserved/);
  });

  it("rejects parameters that do not describe an object", () => {
    const define = () =>
      toolFromJsonSchema({ name: "get_weather", description: "x", parameters: { type: "string" }, execute: () => 1 });
    expect(definitionError(define).message).toMatch(/parameters must be a JSON Schema of an object/);
    const badRequired = () =>
      toolFromJsonSchema({
        name: "get_weather",
        description: "x",
        parameters: { type: "object", required: "city" as unknown as string[] },
        execute: () => 1,
      });
    expect(definitionError(badRequired).message).toMatch(/required must be an array/);
  });
});
