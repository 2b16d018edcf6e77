// Size entry: @anthropic-ai/sdk calling one API method.
import Anthropic from "@anthropic-ai/sdk";

export function main() {
  const client = new Anthropic({ apiKey: "sk-ant-bench", dangerouslyAllowBrowser: true });
  return client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] });
}
