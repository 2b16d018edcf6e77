// The completed run that the bench's in-memory fetch and its local server answer with.
import { GREETER } from "../../tests/support/agents.mjs";

export const RUN_ID = "3f9d2c1a-7b6e-4d5c-9a8b-1e2f3a4b5c6d";
export const CANNED = JSON.stringify({ data: { id: RUN_ID, chat_id: GREETER, status: "completed", results: [{ role: "user", content: "Hi" }, { role: "assistant", content: [{ type: "text", text: "Hello" }] }], last_agent_message: "Hello", created_at: "2025-01-15T01:46:23.568338", updated_at: "2025-01-15T01:46:25.568338", bundle: "default", toolhouse_id: "default", vars: {}, callback_url: null, error: null } });
