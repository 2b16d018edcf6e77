// Exercises every export of toolhouse-agent-runs/server's .d.ts under `tsc --strict`,
// without @types/node (the types of a browser app's project). The "expect-error" lines
// prove the types are precise.
import { createAgentRunsHandler, createCallbackHandler, signCallbackUrl, toNodeListener, type Handler, type AuthorizedUser, type CallbackStore } from "../../pkg/server.js";
import type { AgentRun } from "../../pkg/index.js";

const handler: Handler = createAgentRunsHandler({
  apiKey: "th-…",
  prefix: "/api/toolhouse",
  authorize: async (request: Request): Promise<AuthorizedUser | null> => (request.headers.get("cookie") ? { userId: "u-42", role: "admin" } : null),
  chats: ["a3a26d33-6f4d-4490-a56f-e17f867ba451"],
  callbackUrl: "https://app.example/api/toolhouse/callback",
  callbackSecret: "0123456789abcdef0123456789abcdef",
  rateLimit: { requests: 60, perMs: 60_000 },
  maxBodyBytes: 16_384,
});
createAgentRunsHandler({ authorize: () => null, chats: (chatId: string, user: AuthorizedUser) => chatId.length > 0 && user.userId !== "" });
// @ts-expect-error chats is required
createAgentRunsHandler({ authorize: () => null });
// @ts-expect-error authorize answers a user with a userId, or null
createAgentRunsHandler({ authorize: () => ({ id: "u-42" }), chats: [] });

const response: Promise<Response> = handler(new Request("https://app.example/api/toolhouse/agent-runs"));
void response;
export default { fetch: handler };
export const GET = handler, POST = handler, PUT = handler;
const listener = toNodeListener(handler); // http.createServer(listener), app.use(listener)
void listener(
  { method: "GET", url: "/api/toolhouse/agent-runs", rawHeaders: ["host", "app.example"], async *[Symbol.asyncIterator]() { yield new Uint8Array(0); } },
  { headersSent: false, writableFinished: false, writeHead: () => 0, write: () => true, end: () => 0, destroy: () => 0, on: () => 0 },
  () => {},
);

const store: CallbackStore = { add: async (key: string) => key.length > 0, delete: (_key: string) => undefined };
const callbacks: Handler = createCallbackHandler({
  secret: "0123456789abcdef0123456789abcdef",
  onRun: (run: AgentRun) => console.log(run.status, run.lastAgentMessage),
  store,
});
void callbacks;
// @ts-expect-error onRun is required
createCallbackHandler({ secret: "0123456789abcdef0123456789abcdef" });

const signed: Promise<string> = signCallbackUrl("https://app.example/hook", { secret: "0123456789abcdef0123456789abcdef", expiresInMs: 3_600_000 });
void signed;
// @ts-expect-error a secret is needed
void signCallbackUrl("https://app.example/hook", {});
