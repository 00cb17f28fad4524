// Bar charts (chart.js, bundled: nothing is fetched at run time) in the VS Code theme's colours,
// with 95% interval whiskers drawn by a small plugin. Chart.js sizes its canvas through CSSOM
// (canvas.style.width = …), which the panel's CSP allows; it injects no <style> element and needs no
// eval. Every chart has a text alternative: an aria-label and a data table next to it.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartConfiguration, type Plugin } from 'chart.js';
import { intervalText } from '../view/format';
import { h } from './dom';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export interface BarSeries {
  label: string;
  /** 0-1 values. */
  values: number[];
  /** 95% intervals (0-1), drawn as whiskers. */
  intervals?: Array<[number, number]>;
  /** The theme's primary or secondary chart colour, or the n-th of the series palette (several runs). */
  colour: 'primary' | 'secondary' | number;
}

interface Palette {
  primary: string;
  secondary: string;
  /** One colour per series when a chart has several runs (the theme's chart colours first). */
  series: string[];
  text: string;
  grid: string;
  font: string;
}

function cssVariable(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

function palette(): Palette {
  return {
    primary: cssVariable('--vscode-charts-blue', '#3794ff'),
    secondary: cssVariable('--vscode-charts-orange', '#d18616'),
    series: [
      cssVariable('--vscode-charts-blue', '#3794ff'),
      cssVariable('--vscode-charts-orange', '#d18616'),
      cssVariable('--vscode-charts-green', '#89d185'),
      cssVariable('--vscode-charts-purple', '#b180d7'),
      cssVariable('--vscode-charts-red', '#f14c4c'),
      cssVariable('--vscode-charts-yellow', '#cca700'),
      '#4ec9b0',
      '#ce9178',
    ],
    text: cssVariable('--vscode-foreground', '#cccccc'),
    grid: cssVariable('--vscode-charts-lines', 'rgba(128,128,128,0.35)'),
    font: cssVariable('--vscode-font-family', 'sans-serif'),
  };
}

type IntervalDataset = { intervals?: Array<[number, number]>; whiskerColour?: string };

/** Draws each bar's interval as a whisker across the value axis (horizontal bars). */
const intervalWhiskers: Plugin<'bar'> = {
  id: 'medlocalIntervals',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const scale = chart.scales.x;
    if (!scale) return;
    chart.data.datasets.forEach((dataset, datasetIndex) => {
      const { intervals, whiskerColour } = dataset as unknown as IntervalDataset;
      if (!intervals || !chart.isDatasetVisible(datasetIndex)) return;
      const meta = chart.getDatasetMeta(datasetIndex);
      meta.data.forEach((bar, index) => {
        const interval = intervals[index];
        if (!interval) return;
        const { y, height } = bar.getProps(['y', 'height'], true) as { y: number; height: number };
        const low = scale.getPixelForValue(interval[0] * 100);
        const high = scale.getPixelForValue(interval[1] * 100);
        const cap = Math.max(3, Math.min(8, height / 3));
        ctx.save();
        ctx.strokeStyle = whiskerColour ?? '#888';
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(low, y);
        ctx.lineTo(high, y);
        ctx.moveTo(low, y - cap);
        ctx.lineTo(low, y + cap);
        ctx.moveTo(high, y - cap);
        ctx.lineTo(high, y + cap);
        ctx.stroke();
        ctx.restore();
      });
    });
  },
};

function configuration(labels: string[], series: BarSeries[], colours: Palette): ChartConfiguration<'bar'> {
  return {
    type: 'bar',
    data: {
      labels,
      datasets: series.map((s) => ({
        label: s.label,
        data: s.values.map((v) => Math.round(v * 1000) / 10),
        backgroundColor: s.colour === 'primary' ? colours.primary : s.colour === 'secondary' ? colours.secondary : (colours.series[s.colour % colours.series.length] ?? colours.primary),
        borderWidth: 0,
        ...(s.intervals ? { intervals: s.intervals, whiskerColour: colours.text } : {}),
      })),
    },
    options: {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: series.length > 1, labels: { color: colours.text, font: { family: colours.font } } },
        tooltip: {
          callbacks: {
            label: (item) => {
              const interval = (series[item.datasetIndex]?.intervals ?? [])[item.dataIndex];
              const ci = interval ? ` (${intervalText(interval)})` : '';
              return `${item.dataset.label ?? ''}: ${Number(item.raw).toFixed(1)}%${ci}`;
            },
          },
        },
      },
      scales: {
        x: { min: 0, max: 100, ticks: { color: colours.text, callback: (value) => `${value}%`, font: { family: colours.font } }, grid: { color: colours.grid } },
        y: { ticks: { color: colours.text, autoSkip: false, font: { family: colours.font } }, grid: { display: false } },
      },
    },
    plugins: [intervalWhiskers],
  };
}

/** A chart in the panel: its canvas, kept in step with the theme. */
export class BarChart {
  readonly element: HTMLDivElement;
  private readonly chart: Chart<'bar'>;

  constructor(
    private readonly labels: string[],
    private readonly series: BarSeries[],
    ariaLabel: string,
  ) {
    const canvas = h('canvas', { attrs: { role: 'img', 'aria-label': ariaLabel } });
    this.element = h('div', { className: 'chart' }, canvas);
    // Height follows the number of bars (CSSOM custom property, read by panel.css).
    this.element.style.setProperty('--bars', String(Math.max(1, labels.length * Math.max(1, series.length))));
    // Several runs per category (the category chart of N runs): thinner bars keep the chart a readable height.
    this.element.style.setProperty('--bar-px', series.length > 2 ? '14px' : '24px');
    this.chart = new Chart(canvas, configuration(labels, series, palette()));
  }

  /** Re-reads the theme colours (the body's vscode-light/dark/high-contrast class changed). */
  retheme(): void {
    const fresh = configuration(this.labels, this.series, palette());
    this.chart.data = fresh.data;
    if (fresh.options) this.chart.options = fresh.options;
    this.chart.update();
  }

  destroy(): void {
    this.chart.destroy();
  }
}

/** Charts alive in the page, rethemed together. */
export class ChartSet {
  private charts: BarChart[] = [];

  add(chart: BarChart): BarChart {
    this.charts.push(chart);
    return chart;
  }

  retheme(): void {
    for (const chart of this.charts) chart.retheme();
  }

  clear(): void {
    for (const chart of this.charts.splice(0)) chart.destroy();
  }
}
