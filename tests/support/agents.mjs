// The emulator's agents as the tests, the bench and the demo name them. Their chat ids
// live in emulator/agents.json alone: they are read from it here, never written out.
// (tests/ecosystem/run.mjs writes these exports into each project it copies, as
// shared/agents.js; the Rust tests read the same file with include_str!.)
import { readFileSync } from "node:fs";

const { agents } = JSON.parse(readFileSync(new URL("../../emulator/agents.json", import.meta.url), "utf8"));

/** @param {string} name @returns {string} the chat id of the emulator's agent of that name */
function chatIdOf(name) {
  const agent = agents.find((/** @type {{ name: string }} */ a) => a.name === name);
  if (!agent) throw new Error(`emulator/agents.json has no agent named ${JSON.stringify(name)}`);
  return agent.chatId;
}

/** "Greeter": completes, greeting {name} with a fact about {topic}. */
export const GREETER = chatIdOf("Greeter");
/** "Broken tool": fails, its tool having failed. */
export const BROKEN = chatIdOf("Broken tool");
/** "Slow researcher": completes after 150 s of work (times the emulator's time scale). */
export const SLOW = chatIdOf("Slow researcher");
