// After `vite build`: the gzip size of what the first page load fetches (index.html, the entry chunk, the chunks it
// imports statically and its CSS). Fails above the budget (300 kB).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const budget = 300 * 1024;
const manifest = JSON.parse(readFileSync(new URL("../dist/.vite/manifest.json", import.meta.url), "utf8"));
const files = new Set(["index.html"]);
const visit = (key) => {
  const chunk = manifest[key];
  if (!chunk || files.has(chunk.file)) return;
  files.add(chunk.file);
  for (const css of chunk.css ?? []) files.add(css);
  for (const imported of chunk.imports ?? []) visit(imported);
};
for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
let total = 0;
for (const file of files) total += gzipSync(readFileSync(new URL(`../dist/${file}`, import.meta.url))).length;
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log(`initial route: ${files.size} files, ${kb(total)} gzip (budget ${kb(budget)})`);
if (total > budget) process.exit(1);
