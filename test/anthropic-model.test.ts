import { AnthropicModel } from "../src/models/anthropic/anthropic-model.js";
import { modelContract } from "./model-contract.js";
import { startAnthropicServer } from "./support/anthropic-protocol.js";

modelContract({
  name: "AnthropicModel",
  credentialName: "ANTHROPIC_API_KEY",
  create: (server, settings) => new AnthropicModel({ modelId: "claude-test", apiKey: "sk-ant-test", baseURL: server.baseURL, maxRetries: 2, ...settings }),
  startServer: startAnthropicServer,
});
