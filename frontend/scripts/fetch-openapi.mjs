// Replaces openapi.json with the schema a running `sight serve` publishes.
// Usage: npm run api:update   (SIGHT_API_URL defaults to http://127.0.0.1:8000)
import { writeFile } from "node:fs/promises";

const base = process.env.SIGHT_API_URL ?? "http://127.0.0.1:8000";
const url = `${base.replace(/\/$/, "")}/openapi.json`;

let response;
try {
  response = await fetch(url);
} catch (error) {
  console.error(`Cannot reach ${url} (${error.cause?.code ?? error.message}). Is \`sight serve\` running?`);
  process.exit(1);
}
if (!response.ok) {
  console.error(`${url} answered HTTP ${response.status}`);
  process.exit(1);
}
const spec = await response.json();
await writeFile(new URL("../openapi.json", import.meta.url), `${JSON.stringify(spec, null, 2)}\n`);
console.log(`openapi.json ← ${url} (${Object.keys(spec.paths ?? {}).length} paths)`);
