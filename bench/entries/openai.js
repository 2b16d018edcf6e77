// Size entry: openai calling one API method.
import OpenAI from "openai";

export function main() {
  const client = new OpenAI({ apiKey: "sk-bench", dangerouslyAllowBrowser: true });
  return client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
}
