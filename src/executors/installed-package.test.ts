import { describe, expect, test } from "vitest";

import { MissingPackageError } from "../errors.js";
import { requireInstalled } from "./installed-package.js";

describe("requireInstalled", () => {
  test("an installed package passes", () => {
    expect(() => requireInstalled("@pydantic/monty", "npm install @pydantic/monty", "MontyExecutor")).not.toThrow();
  });

  test("a missing one is a MissingPackageError that ends with the install line", () => {
    const attempt = () => requireInstalled("@codeagent/not-a-package", "npm install @codeagent/not-a-package@1.0.0", "The test sandbox");
    expect(attempt).toThrow(MissingPackageError);
    expect(attempt).toThrow(/^The test sandbox needs the @codeagent\/not-a-package package.*npm install @codeagent\/not-a-package@1\.0\.0$/);
  });
});
