import { expect, test } from "vitest";

import { scriptedModelContract } from "../../test/model-contract.js";
import { ScriptExhaustedError } from "../errors.js";
import { ScriptedModel } from "./scripted-model.js";

scriptedModelContract({ name: "ScriptedModel", create: (replies) => new ScriptedModel(replies) });

test("a script that runs out says how many replies it had and what to change", async () => {
  const model = new ScriptedModel(["only one"]);
  await model.generate([{ role: "user", content: "1" }]);
  await expect(model.generate([{ role: "user", content: "2" }])).rejects.toThrow(ScriptExhaustedError);
  await expect(model.generate([{ role: "user", content: "2" }])).rejects.toThrow(/given 1 and was asked for reply 2/);
});
