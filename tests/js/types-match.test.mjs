// The published types (pkg/index.d.ts, written from js/index.d.ts and the error table)
// against what the package really exports, and the error table (js/errors.json) against
// the classes, the types and the README.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";
import ts from "typescript";
import * as pkg from "../../pkg/index.js";

const root = new URL("../../", import.meta.url);
const table = JSON.parse(readFileSync(new URL("js/errors.json", root), "utf8")).errors;

/** The exported declarations of a .d.ts: name → { kind, params (functions), members (classes) }. */
function declarations(path) {
  const file = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ES2022, true);
  const out = new Map();
  const exported = (node) => node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const node of file.statements) {
    if (!exported(node) || !node.name) continue;
    const name = node.name.text;
    if (ts.isFunctionDeclaration(node)) {
      out.set(name, { kind: "function", required: node.parameters.filter((p) => !p.questionToken).length, params: node.parameters.length });
    } else if (ts.isClassDeclaration(node)) {
      const members = node.members.filter((m) => m.name && ts.isIdentifier(m.name)).map((m) => ({ name: m.name.text, method: ts.isMethodDeclaration(m) }));
      out.set(name, { kind: "class", members, base: node.heritageClauses?.[0]?.types[0]?.expression.getText() ?? null });
    } else {
      out.set(name, { kind: "type" });
    }
  }
  return out;
}

const types = declarations(new URL("pkg/index.d.ts", root).pathname);

test("every runtime export is declared as a value in the .d.ts, and every declared value exists at run time", () => {
  for (const [name, value] of Object.entries(pkg)) {
    const declared = types.get(name);
    assert.ok(declared, `${name} is exported but not declared`);
    assert.notEqual(declared.kind, "type", `${name} is a value but declared as a type only`);
    assert.equal(typeof value, "function", name);
  }
  for (const [name, declared] of types) {
    if (declared.kind === "type") continue;
    assert.ok(name in pkg, `${name} is declared but not exported`);
  }
});

test("declared functions take the parameters the runtime functions take", () => {
  for (const [name, declared] of types) {
    if (declared.kind !== "function") continue;
    // A JS function's length counts the parameters before the first optional one.
    assert.ok(pkg[name].length <= declared.params && pkg[name].length >= Math.min(1, declared.required), `${name}: runtime length ${pkg[name].length}, declared ${declared.required}..${declared.params}`);
  }
});

test("declared class methods exist on the classes' prototypes", () => {
  for (const [name, declared] of types) {
    if (declared.kind !== "class") continue;
    for (const member of declared.members.filter((m) => m.method)) {
      assert.equal(typeof pkg[name].prototype[member.name], "function", `${name}.${member.name}`);
    }
  }
});

test("each row of the error table is an exported class, declared with its base and fields, and in the README", () => {
  const readme = readFileSync(new URL("README.md", root), "utf8");
  const [base, ...rows] = table;
  assert.equal(base.class, "AgentRunsError");
  for (const row of rows) {
    const cls = pkg[row.class];
    assert.equal(typeof cls, "function", `${row.class} is not exported`);
    const err = new cls("m");
    assert.ok(err instanceof pkg.AgentRunsError && err instanceof Error, row.class);
    assert.equal(err.name, row.class);
    assert.equal(err.status, null);
    const declared = types.get(row.class);
    assert.equal(declared?.base, "AgentRunsError", `${row.class} declared as extending AgentRunsError`);
    for (const field of row.fields ?? []) {
      assert.deepEqual(err[field.name], field.default, `${row.class}.${field.name} defaults to ${JSON.stringify(field.default)}`);
      assert.deepEqual(new cls("m", { [field.name]: "given" })[field.name], "given");
      assert.ok(declared.members.some((m) => m.name === field.name), `${row.class}.${field.name} is declared`);
    }
    assert.ok(readme.includes(`| \`${row.class}\` | ${row.when}`), `README's table of errors lacks ${row.class} as the table has it`);
  }
  assert.equal(Object.keys(pkg).filter((name) => name.endsWith("Error")).length, table.length, "an error class outside the table");
});

test("the wasm's errors come out as the table's classes, status by status", async () => {
  const cases = [];
  for (const row of table) for (const s of row.statuses) cases.push([Number(s.split("-")[0]), row.class]);
  cases.push([418, "AgentRunsError"]);
  for (const [status, expected] of cases) {
    const fetch = async () => new Response(JSON.stringify({ detail: "no" }), { status, headers: { "content-type": "application/json" } });
    const err = await pkg.getRun("3f2b8c1e-5d4a-4e7b-9c0d-1a2b3c4d5e6f", { apiKey: "th-x", fetch, maxRetries: 0 }).then(() => null, (e) => e);
    assert.equal(err?.name, expected, `HTTP ${status}`);
    assert.ok(err instanceof pkg[expected], `HTTP ${status}`);
    assert.equal(err.status, status);
  }
});
