// Scrapes a Prometheus endpoint and parses the text with parse-prometheus-text-format (someone else's reading of the
// format, not ours):   node prometheus-scrape.mjs <url>   ->   one JSON line { status, contentType, families, samples }
//   families: the package's output as is (name, help, type, metrics);
//   samples:  every sample line with all its labels, from a second parse of the text without the histogram TYPE lines:
//             the package folds the series of a labelled histogram into one, losing their labels (its flattenMetrics).
import parse from "parse-prometheus-text-format";

const [url] = process.argv.slice(2);
if (!url) {
  console.error("usage: node prometheus-scrape.mjs <url>");
  process.exit(2);
}
const response = await fetch(url);
const text = await response.text();
const result = { status: response.status, contentType: response.headers.get("content-type"), families: [], samples: [] };
if (response.ok) {
  result.families = parse(text);
  const untypedHistograms = text.split("\n").filter((line) => !/^# TYPE \S+ histogram$/.test(line)).join("\n");
  result.samples = parse(untypedHistograms).flatMap((family) =>
    family.type === "HISTOGRAM" ? [] : family.metrics.map((m) => ({ name: family.name, labels: m.labels ?? {}, value: Number(m.value) })));
}
console.log(JSON.stringify(result));
