// @ts-check
// The values of command-line flags, checked: for the emulator's command line (cli.js) and
// the console's server (scripts/serve.mjs of the project). Each throws an Error that says
// what the flag takes.

/**
 * A flag's number, from `min` to `max`.
 * @param {string} name the flag, without its "--"
 * @param {string | undefined} text what was given
 * @param {number} min
 * @param {number} max
 * @returns {number}
 */
export function numberOption(name, text, min, max) {
  const n = Number(text);
  if (text === undefined || text === "" || !Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
  return n;
}

/**
 * A flag's value, one of `allowed`.
 * @template {string} T
 * @param {string} name the flag, without its "--"
 * @param {string} text what was given
 * @param {T[]} allowed
 * @returns {T}
 */
export function oneOf(name, text, allowed) {
  if (!allowed.includes(/** @type {T} */ (text))) throw new Error(`--${name} must be one of ${allowed.join(", ")}`);
  return /** @type {T} */ (text);
}
