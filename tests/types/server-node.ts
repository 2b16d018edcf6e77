// toNodeListener's listener is a node:http listener, checked against @types/node.
import { createServer } from "node:http";
import { createAgentRunsHandler, toNodeListener } from "../../pkg/server.js";

createServer(toNodeListener(createAgentRunsHandler({ authorize: () => null, chats: [] })));
