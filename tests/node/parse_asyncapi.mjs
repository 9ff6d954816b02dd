// Parse an AsyncAPI document with the official parser (@asyncapi/parser) and print its diagnostics as JSON:
// {"errors": n, "warnings": n, "diagnostics": [...]}. Usage: node parse_asyncapi.mjs FILE
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const parser = new Parser();
const text = readFileSync(process.argv[2], "utf8");
const { document, diagnostics } = await parser.parse(text);
const errors = diagnostics.filter((d) => d.severity === 0);
const warnings = diagnostics.filter((d) => d.severity === 1);
console.log(JSON.stringify({
  parsed: document !== undefined,
  errors: errors.length,
  warnings: warnings.length,
  diagnostics: diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, path: d.path })),
}));
