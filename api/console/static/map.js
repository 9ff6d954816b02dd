// The crisis map: Natural Earth 1:110m outlines (served by the API) drawn with d3-geo, countries shaded by the
// highest severity of their crises, located crises as points. No tiles, nothing from another origin.
import { h, severityRank } from "./ui.js";

const FILL = { extreme: "#7a0010", severe: "#b3261e", moderate: "#f0a30a", minor: "#ffe58a", unknown: "#c7ccd3" };
let outlines = null;

async function countries() {
  if (!outlines) {
    outlines = fetch("/console/countries.json").then((r) => r.json())
      .then((topo) => window.topojson.feature(topo, topo.objects.countries).features);
  }
  return outlines;
}

export async function drawMap(container, data, onPick) {
  const features = await countries();
  const width = 960, height = 500;
  const projection = window.d3.geoNaturalEarth1().fitSize([width, height], { type: "Sphere" });
  const path = window.d3.geoPath(projection);
  const shaded = data.countries || {};
  const label = `Map of ${data.total} crises: ${Object.keys(shaded).length} countries shaded by their highest ` +
    `severity, ${data.points.length} located crises as points`;
  const svg = h("svg", { class: "map", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label,
    id: "crisis-map" });
  svg.append(h("path", { d: path({ type: "Sphere" }), fill: "#dfe9f3" }));
  for (const feature of features) {
    const entry = feature.id ? shaded[feature.id] : null;
    svg.append(h("path", { class: "land", d: path(feature), "data-iso3": feature.id || null,
      "data-severity": entry?.severity || null, "data-count": entry?.count || null,
      fill: entry ? FILL[entry.severity] || FILL.unknown : "#f4f1ea" },
    h("title", {}, `${feature.properties.name}${entry ? `: ${entry.count} crises, highest ${entry.severity}` : ""}`)));
  }
  const points = [...data.points].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  for (const p of points) {
    const xy = projection([p.lon, p.lat]);
    if (!xy) continue;
    const dot = h("circle", { class: "point", cx: xy[0].toFixed(1), cy: xy[1].toFixed(1),
      r: 3 + severityRank(p.severity), fill: FILL[p.severity] || FILL.unknown, "data-crisis-id": p.crisis_id,
      "data-severity": p.severity }, h("title", {}, `${p.title} (${p.severity})`));
    dot.addEventListener("click", () => onPick(p.crisis_id));
    svg.append(dot);
  }
  container.replaceChildren(svg, h("ul", { class: "legend", "aria-label": "Severity colours" },
    Object.entries(FILL).map(([name, colour]) => {
      const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.background = colour;
      return h("li", {}, swatch, name);
    })));
}
