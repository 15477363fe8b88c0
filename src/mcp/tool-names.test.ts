import { describe, expect, test } from "vitest";

import { sandboxToolName } from "./tool-names.js";

describe("sandboxToolName", () => {
  test.each([
    ["get_weather", "", "get_weather"],
    ["get-weather", "", "get_weather"],
    ["files.read", "", "files_read"],
    ["3d_render", "", "tool_3d_render"],
    ["print", "", "print_tool"],
    ["import", "", "import_tool"],
    ["final_answer", "", "final_answer_tool"],
    ["search", "github_", "github_search"],
  ])("%s with prefix %j is %s", (name, prefix, expected) => {
    expect(sandboxToolName(name, prefix)).toBe(expected);
  });
});
