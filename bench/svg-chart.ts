/** Small hand-written SVG charts (line and grouped bar), and their conversion to PNG with resvg. */
import { Resvg } from '@resvg/resvg-js';

const WIDTH = 720;
const HEIGHT = 400;
const MARGIN = { top: 48, right: 180, bottom: 56, left: 72 };
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/** A named series of (x, y) points. */
export interface LineSeries {
  name: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

function frame(title: string, xLabel: string, yLabel: string, yMax: number, body: string, legend: string[]): string {
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const ticks = Array.from({ length: 6 }, (_, i) => (yMax * i) / 5);
  const grid = ticks
    .map((tick) => {
      const y = MARGIN.top + plotHeight - (tick / yMax) * plotHeight;
      return `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${MARGIN.left - 8}" y="${y + 4}" text-anchor="end" font-size="12">${Number(tick.toPrecision(3))}</text>`;
    })
    .join('');
  const legendItems = legend
    .map(
      (name, i) =>
        `<rect x="${WIDTH - MARGIN.right + 16}" y="${MARGIN.top + i * 22}" width="14" height="14" fill="${COLORS[i % COLORS.length]}"/><text x="${WIDTH - MARGIN.right + 36}" y="${MARGIN.top + i * 22 + 12}" font-size="12">${escapeXml(name)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${WIDTH / 2}" y="26" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>
${grid}
<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>
<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>
${body}
<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 12}" text-anchor="middle" font-size="13">${escapeXml(xLabel)}</text>
<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" font-size="13">${escapeXml(yLabel)}</text>
${legendItems}
</svg>
`;
}

/** A line chart over categorical x positions (e.g. concurrency 1, 2, 4 …), equally spaced. */
export function lineChart(options: { title: string; xLabel: string; yLabel: string; series: LineSeries[] }): string {
  const xs = [...new Set(options.series.flatMap((series) => series.points.map(([x]) => x)))].sort((a, b) => a - b);
  const yMax = niceMax(Math.max(0, ...options.series.flatMap((series) => series.points.map(([, y]) => y))));
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const xAt = (x: number) =>
    MARGIN.left + (xs.length === 1 ? plotWidth / 2 : (xs.indexOf(x) / (xs.length - 1)) * plotWidth);
  const yAt = (y: number) => MARGIN.top + plotHeight - (y / yMax) * plotHeight;
  const xTicks = xs
    .map(
      (x) => `<text x="${xAt(x)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle" font-size="12">${x}</text>`,
    )
    .join('');
  const lines = options.series
    .map((series, i) => {
      const color = COLORS[i % COLORS.length];
      const path = series.points.map(([x, y]) => `${xAt(x)},${yAt(y)}`).join(' ');
      const dots = series.points
        .map(([x, y]) => `<circle cx="${xAt(x)}" cy="${yAt(y)}" r="3.5" fill="${color}"/>`)
        .join('');
      return `<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>${dots}`;
    })
    .join('\n');
  return frame(
    options.title,
    options.xLabel,
    options.yLabel,
    yMax,
    xTicks + lines,
    options.series.map((series) => series.name),
  );
}

/** A grouped bar chart: one group per category, one bar per series. */
export function barChart(options: {
  title: string;
  yLabel: string;
  categories: string[];
  series: Array<{ name: string; values: number[] }>;
}): string {
  const yMax = niceMax(Math.max(0, ...options.series.flatMap((series) => series.values)));
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const groupWidth = plotWidth / Math.max(1, options.categories.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, options.series.length);
  const bars = options.categories
    .map((category, c) => {
      const groupX = MARGIN.left + c * groupWidth + groupWidth * 0.1;
      const label = `<text x="${MARGIN.left + c * groupWidth + groupWidth / 2}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle" font-size="12">${escapeXml(category)}</text>`;
      return (
        label +
        options.series
          .map((series, s) => {
            const value = series.values[c] ?? 0;
            const height = (value / yMax) * plotHeight;
            const x = groupX + s * barWidth;
            const y = MARGIN.top + plotHeight - height;
            return `<rect x="${x}" y="${y}" width="${barWidth - 2}" height="${height}" fill="${COLORS[s % COLORS.length]}"/><text x="${x + barWidth / 2 - 1}" y="${y - 4}" text-anchor="middle" font-size="10">${Number(value.toPrecision(3))}</text>`;
          })
          .join('')
      );
    })
    .join('\n');
  return frame(
    options.title,
    '',
    options.yLabel,
    yMax,
    bars,
    options.series.map((series) => series.name),
  );
}

/** Renders an SVG chart to PNG bytes (resvg, with the system's fonts). */
export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
    .render()
    .asPng();
}
