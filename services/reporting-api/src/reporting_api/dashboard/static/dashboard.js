// The reporting dashboard: fetches each report with the reader's bearer token and draws every
// table it holds as an accessible table, with a chart beside it for the tables it knows.
// A plain ES module, no framework; Chart.js (UMD, served by this service) is `window.Chart`.
// The token lives in sessionStorage only (gone when the tab closes) and never goes in a URL.

const TOKEN_KEY = 'reporting-dashboard-token';

/** The reports, in the order the page shows them. */
const REPORTS = [
  { id: 'summary', path: '/v1/reports/summary', title: 'Summary and trends' },
  { id: 'funnel', path: '/v1/reports/funnel', title: 'From referral to completion' },
  { id: 'timeliness', path: '/v1/reports/timeliness', title: 'Timeliness' },
  { id: 'disproportionality', path: '/v1/reports/disproportionality', title: 'Disproportionality by ethnic group' },
  { id: 'needs', path: '/v1/reports/needs', title: 'Needs and safeguarding' },
  { id: 'officers', path: '/v1/reports/officers', title: 'Officers and areas' },
];

const CODINGS = [
  { value: 'self_defined', label: 'As the person describes it (self-defined)' },
  { value: 'observed', label: 'As the officer observed it' },
];

// the summary's funnel is the funnel report's, drawn once there
const SKIP = { summary: new Set(['funnel']) };

const COLOURS = { bar: '#1d4ed8', second: '#0b2545', interval: 'rgba(29, 78, 216, 0.35)', point: '#0b0c0c' };
const SERIES = ['#1d4ed8', '#b3261e', '#00703c', '#5c3c00', '#6f2dbd', '#0b2545'];

/** @type {{ token: string | null, claims: any, coding: string, charts: any[] }} */
const state = { token: null, claims: null, coding: 'self_defined', charts: [] };

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** An element with attributes and children (strings become text, never HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// ---- formatting -------------------------------------------------------------------------------

const isMarker = (cell) => typeof cell === 'string' && (cell === '[c]' || /^<\d+$/.test(cell));

/** A category as a person reads it: "not_engaged" becomes "Not engaged". */
function category(text) {
  const s = String(text).replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const DIGITS = { count: 0, percent: 1, rate: 1, ratio: 2, days: 1, hours: 0 };

/** A cell as text: numbers by their column's kind (the same decimals down a column), markers
 * as they are. */
function formatCell(cell, kind) {
  if (cell == null) return '–';
  if (typeof cell === 'number') {
    const digits = DIGITS[kind] ?? 2;
    const text = cell.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    return kind === 'percent' ? `${text}%` : text;
  }
  if (isMarker(cell)) return cell;
  return kind === 'category' ? category(cell) : String(cell);
}

const numeric = (cell) => (typeof cell === 'number' ? cell : null);

/** A date as people write it: 6 December 2025. */
const longDate = (iso) => new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

function periodText(report) {
  return `${report.force}, ${longDate(report.period.start)} to ${longDate(report.period.end)}`;
}

// ---- the token --------------------------------------------------------------------------------

function claimsOf(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')));
  } catch {
    return null;
  }
}

function useToken(token) {
  const claims = claimsOf(token);
  if (!claims || !Array.isArray(claims.forces)) {
    return 'That is not a bearer token this service can read: paste the whole token (three parts separated by dots).';
  }
  if (claims.exp && claims.exp * 1000 < Date.now()) return 'That token has expired: get a new one and paste it here.';
  if (!['analyst', 'supervisor'].includes(claims.role)) {
    return `The reports are for analysts and supervisors; that token is for the role "${claims.role}".`;
  }
  state.token = token;
  state.claims = claims;
  sessionStorage.setItem(TOKEN_KEY, token);
  return null;
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.claims = null;
  destroyCharts();
  $('reports').replaceChildren();
  $('contents').hidden = true;
  $('reading').hidden = true;
  $('controls').hidden = true;
  $('who').replaceChildren();
  showSignIn(message);
}

// ---- talking to the service -------------------------------------------------------------------

class ProblemError extends Error {
  constructor(status, title, detail) {
    super(detail || title);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

async function call(url, accept = 'application/json') {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${state.token}`, Accept: accept } });
  if (response.ok) return response;
  let title = `The service answered ${response.status}`;
  let detail = '';
  try {
    const problem = await response.json();
    title = problem.title || title;
    detail = problem.detail || '';
  } catch {
    // not a problem document: keep the status
  }
  throw new ProblemError(response.status, title, detail);
}

function query(report, extra = {}) {
  const form = /** @type {HTMLFormElement} */ ($('controls'));
  const data = new FormData(form);
  const params = new URLSearchParams({
    force: String(data.get('force')),
    from: String(data.get('from')),
    to: String(data.get('to')),
    interval: String(data.get('interval')),
  });
  if (report.id === 'disproportionality') params.set('coding', state.coding);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return `${report.path}?${params}`;
}

async function downloadCsv(report, table, button) {
  button.disabled = true;
  try {
    const response = await call(query(report, { table: table.id }), 'text/csv');
    const blob = await response.blob();
    const params = new URLSearchParams(query(report).split('?')[1]);
    const name = [report.id, table.id, params.get('force'), params.get('from'), params.get('to')].join('_');
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: `${name}.csv`, class: 'visually-hidden' });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    $('status').textContent = `Saved ${name}.csv`;
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

// ---- tables -----------------------------------------------------------------------------------

/** A cell's content: its text, a marker, or a dash with words for screen readers. */
function cellContent(cell, kind) {
  if (isMarker(cell)) return h('span', { class: 'marker' }, cell);
  if (cell == null) return [h('span', { 'aria-hidden': 'true' }, '–'), h('span', { class: 'visually-hidden' }, 'not applicable')];
  return formatCell(cell, kind);
}

function renderTable(report, table) {
  const first = table.columns[0];
  const rowHeader = first && first.kind === 'category';
  const marked = table.rows.some((row) => Object.values(row).some(isMarker));
  // one row of figures (the key figures) reads better down the page: a figure per row
  const transposed = table.rows.length === 1 && !table.columns.some((c) => c.kind === 'category');
  const head = transposed
    ? [h('th', { scope: 'col' }, 'Figure'), h('th', { scope: 'col', class: 'num' }, 'Value')]
    : table.columns.map((c) => h('th', { scope: 'col', class: c.kind === 'category' ? null : 'num' }, c.label));
  const body = transposed
    ? table.columns.map((column) => h('tr', {}, h('th', { scope: 'row' }, column.label), h('td', { class: 'num', 'data-key': column.key }, cellContent(table.rows[0][column.key], column.kind))))
    : table.rows.map((row) =>
        h(
          'tr',
          {},
          table.columns.map((column, i) => {
            const content = cellContent(row[column.key], column.kind);
            if (i === 0 && rowHeader) return h('th', { scope: 'row' }, content);
            return h('td', { class: column.kind === 'category' ? null : 'num', 'data-key': column.key }, content);
          }),
        ),
      );
  const captionId = `caption-${report.report}-${table.id}`;
  const tableEl = h(
    'table',
    { class: 'table', 'data-table': table.id },
    h('caption', { id: captionId }, table.title),
    h('thead', {}, h('tr', {}, head)),
    h('tbody', {}, body.length ? body : h('tr', {}, h('td', { colspan: table.columns.length || 1 }, 'No figures for this period.'))),
  );
  const notes = [...table.notes];
  if (marked) {
    notes.push(
      `${'<'}${report.suppression_threshold} means fewer than ${report.suppression_threshold}, hidden so that nobody can be identified; [c] is a figure built on such a count, hidden for the same reason.`,
    );
  }
  const csvButton = h('button', { type: 'button', class: 'button button--link csv' }, 'Download this table as CSV', h('span', { class: 'visually-hidden' }, `: ${table.title}`));
  csvButton.addEventListener('click', () => downloadCsv(REPORTS.find((r) => r.id === report.report) ?? { id: report.report, path: `/v1/reports/${report.report}` }, table, csvButton));
  return h(
    'div',
    { class: 'table-block' },
    h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': captionId, tabindex: '0' }, tableEl),
    notes.length ? h('ul', { class: 'notes' }, notes.map((n) => h('li', {}, n))) : null,
    csvButton,
  );
}

// ---- charts -----------------------------------------------------------------------------------

function destroyCharts() {
  for (const chart of state.charts) chart.destroy();
  state.charts = [];
}

/** The value shown for a row in a summary: its number, or its marker. */
const said = (cell, kind) => (cell == null ? 'not applicable' : formatCell(cell, kind));

function describe(intro, items) {
  const shown = items.slice(0, 12);
  const more = items.length > shown.length ? `, and ${items.length - shown.length} more` : '';
  return `${intro}: ${shown.join('; ')}${more}. The table gives every figure.`;
}

const baseOptions = () => ({
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  locale: 'en-GB',
  plugins: { legend: { labels: { color: '#0b0c0c' } }, tooltip: { enabled: true } },
  scales: {
    x: { ticks: { color: '#0b0c0c' }, grid: { color: '#dde1e6' } },
    y: { ticks: { color: '#0b0c0c' }, grid: { color: '#dde1e6' } },
  },
});

/** A dashed line at 1 on the x axis: the same rate as the comparison group. */
const referenceLine = {
  id: 'reference-line',
  afterDatasetsDraw(chart) {
    const x = chart.scales.x.getPixelForValue(1);
    const { top, bottom } = chart.chartArea;
    const { ctx } = chart;
    ctx.save();
    ctx.strokeStyle = '#0b0c0c';
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.restore();
  },
};

function volumesChart(table) {
  const labels = table.rows.map((r) => String(r.period));
  return {
    config: {
      type: 'line',
      data: { labels, datasets: [{ label: 'Referrals', data: table.rows.map((r) => numeric(r.referrals)), borderColor: COLOURS.bar, backgroundColor: COLOURS.bar, pointRadius: 4, spanGaps: false }] },
      options: { ...baseOptions(), scales: { ...baseOptions().scales, y: { ...baseOptions().scales.y, beginAtZero: true, title: { display: true, text: 'Referrals', color: '#0b0c0c' } } } },
    },
    label: describe('Line chart of referrals by period', table.rows.map((r) => `${r.period}: ${said(r.referrals, 'count')}`)),
    rows: labels.length,
  };
}

function funnelChart(table) {
  const labels = table.rows.map((r) => category(r.stage));
  return {
    config: {
      type: 'bar',
      data: { labels, datasets: [{ label: 'People', data: table.rows.map((r) => numeric(r.count)), backgroundColor: COLOURS.bar }] },
      options: { ...baseOptions(), indexAxis: 'y', plugins: { ...baseOptions().plugins, legend: { display: false } } },
    },
    label: describe('Bar chart of the funnel, people at each stage', table.rows.map((r) => `${category(r.stage)} ${said(r.count, 'count')} (${said(r.percent_of_referred, 'percent')} of referred)`)),
    rows: labels.length,
    horizontal: true,
  };
}

function timelinessChart(table) {
  const labels = table.rows.map((r) => category(r.measure));
  return {
    config: {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'Median days', data: table.rows.map((r) => numeric(r.median_days)), backgroundColor: COLOURS.bar },
          { label: '90th percentile days', data: table.rows.map((r) => numeric(r.p90_days)), backgroundColor: COLOURS.second },
        ],
      },
      options: { ...baseOptions(), indexAxis: 'y' },
    },
    label: describe('Bar chart of days taken', table.rows.map((r) => `${category(r.measure)}: median ${said(r.median_days, 'days')} days, 90th percentile ${said(r.p90_days, 'days')} days`)),
    rows: labels.length * 1.6,
    horizontal: true,
  };
}

function timelinessTrendChart(table) {
  const periods = [...new Set(table.rows.map((r) => String(r.period)))];
  const measures = [...new Set(table.rows.map((r) => String(r.measure)))];
  const datasets = measures.map((measure, i) => ({
    label: category(measure),
    data: periods.map((p) => numeric(table.rows.find((r) => String(r.period) === p && String(r.measure) === measure)?.median_days)),
    borderColor: SERIES[i % SERIES.length],
    backgroundColor: SERIES[i % SERIES.length],
    pointRadius: 3,
  }));
  return {
    config: { type: 'line', data: { labels: periods, datasets }, options: { ...baseOptions(), scales: { ...baseOptions().scales, y: { ...baseOptions().scales.y, beginAtZero: true, title: { display: true, text: 'Median days', color: '#0b0c0c' } } } } },
    label: describe('Line chart of median days by period', measures.map((m) => `${category(m)} over ${periods.length} periods`)),
    rows: 0,
  };
}

/** Relative rates with their 95% intervals: a floating bar from low to high, a point at the
 * ratio, and a dashed line at 1. */
function intervalChart(table, labelOf) {
  // a row whose figures are hidden says so on the axis, rather than standing empty
  const labels = table.rows.map((r) => (isMarker(r.relative_rate) ? `${labelOf(r)} (hidden)` : labelOf(r)));
  const bars = table.rows.map((r) => (typeof r.ci_low === 'number' && typeof r.ci_high === 'number' ? [r.ci_low, r.ci_high] : null));
  const points = table.rows.map((r, i) => (typeof r.relative_rate === 'number' ? { x: r.relative_rate, y: labels[i] } : null)).filter(Boolean);
  return {
    config: {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'scatter', label: 'Relative rate', data: points, backgroundColor: COLOURS.point, borderColor: COLOURS.point, pointRadius: 6, pointStyle: 'rectRot' },
          { type: 'bar', label: '95% confidence interval', data: bars, backgroundColor: COLOURS.interval, borderColor: COLOURS.bar, borderWidth: 1, barPercentage: 0.5 },
        ],
      },
      options: {
        ...baseOptions(),
        indexAxis: 'y',
        scales: {
          x: { ...baseOptions().scales.x, type: 'linear', suggestedMin: 0, suggestedMax: 2, title: { display: true, text: 'Relative rate (1 = the same rate as the comparison group)', color: '#0b0c0c' } },
          y: { ...baseOptions().scales.y, type: 'category' },
        },
      },
      plugins: [referenceLine],
    },
    label: describe(
      'Chart of relative rates with 95% confidence intervals, a dashed line at 1 for the same rate',
      table.rows.map((r, i) => `${labels[i]}: ${said(r.relative_rate, 'ratio')} (${said(r.ci_low, 'ratio')} to ${said(r.ci_high, 'ratio')})`),
    ),
    rows: labels.length,
    horizontal: true,
  };
}

/** The charts the page knows, by table id, with the columns each needs: a table of that id
 * without them (a breakdown, say) is shown as a table only. */
const CHARTS = {
  volumes: { keys: ['period', 'referrals'], make: volumesChart },
  funnel: { keys: ['stage', 'count', 'percent_of_referred'], make: funnelChart },
  timeliness: { keys: ['measure', 'median_days', 'p90_days'], make: timelinessChart },
  timeliness_by_period: { keys: ['period', 'measure', 'median_days'], make: timelinessTrendChart },
  rates: { keys: ['ethnic_group', 'relative_rate', 'ci_low', 'ci_high'], make: (t) => intervalChart(t, (r) => category(r.ethnic_group)) },
  stages: { keys: ['ethnic_group', 'stage', 'relative_rate', 'ci_low', 'ci_high'], make: (t) => intervalChart(t, (r) => `${category(r.stage)}: ${category(r.ethnic_group)}`) },
};

function chartFor(table) {
  const known = Object.hasOwn(CHARTS, table.id) ? CHARTS[table.id] : null;
  const has = new Set(table.columns.map((c) => c.key));
  if (!known || !known.keys.every((k) => has.has(k)) || !window.Chart || !table.rows.length) return null;
  const spec = known.make(table);
  const figure = h('figure', { class: 'chart' });
  if (spec.horizontal) figure.style.height = `${Math.max(14, 5 + spec.rows * 2.2)}rem`;
  const canvas = h('canvas', { role: 'img', 'aria-label': spec.label });
  canvas.textContent = spec.label;
  figure.append(canvas);
  return { figure, canvas, spec };
}

// ---- reports ----------------------------------------------------------------------------------

function keyFigures(report, table) {
  const row = table.rows[0] ?? {};
  return h(
    'dl',
    { class: 'figures', 'data-figures': table.id },
    table.columns.map((column) => h('div', { class: 'figure-card' }, h('dt', {}, column.label), h('dd', {}, formatCell(row[column.key], column.kind)))),
  );
}

function codingControl(section) {
  return h(
    'fieldset',
    { class: 'fieldset' },
    h('legend', { class: 'legend' }, 'Ethnic group'),
    h(
      'div',
      { class: 'radios' },
      CODINGS.map((c) => {
        const input = h('input', { type: 'radio', name: 'coding', value: c.value, checked: c.value === state.coding });
        input.addEventListener('change', () => {
          state.coding = c.value;
          loadReport(REPORTS.find((r) => r.id === 'disproportionality'), section, true);
        });
        return h('label', { class: 'radio' }, input, c.label);
      }),
    ),
  );
}

/** Draw one report's tables into its section, charts after the section is in the page. */
function drawReport(def, section, report) {
  const pending = [];
  const parts = [h('h2', { id: `report-${def.id}-title`, tabindex: '-1' }, def.title), h('p', { class: 'report__period' }, periodText(report))];
  if (def.id === 'disproportionality') parts.push(codingControl(section));
  for (const table of report.tables) {
    if (SKIP[def.id]?.has(table.id)) continue;
    const block = h('div', { class: 'block', 'data-block': table.id });
    if (table.id === 'overview') block.append(keyFigures(report, table));
    const chart = chartFor(table);
    if (chart) {
      block.classList.add('block--chart');
      if (table.columns.length > 3) block.classList.add('block--wide');
      pending.push(chart);
    }
    block.append(h('div', { class: 'block__body' }, chart ? chart.figure : null, renderTable(report, table)));
    parts.push(block);
  }
  section.replaceChildren(...parts);
  for (const { canvas, spec } of pending) {
    state.charts.push(new window.Chart(canvas, spec.config));
  }
  const marker = `<${report.suppression_threshold}`;
  $('count-marker').textContent = marker;
  $('count-marker-text').textContent = `A count too small to publish (from 1 to ${report.suppression_threshold - 1}), or one hidden so that a small count could not be worked out from the totals.`;
}

async function loadReport(def, section, focus = false) {
  section.setAttribute('aria-busy', 'true');
  try {
    const response = await call(query(def));
    const report = await response.json();
    for (const chart of state.charts.filter((c) => section.contains(c.canvas))) chart.destroy();
    state.charts = state.charts.filter((c) => c.canvas && section.contains(c.canvas) === false);
    drawReport(def, section, report);
    section.dataset.loaded = 'true';
    if (focus) section.querySelector('input[name=coding]:checked')?.focus();
  } catch (error) {
    if (error instanceof ProblemError && error.status === 401) {
      signOut('Your sign-in has ended: sign in again to see the figures.');
      throw error;
    }
    const unavailable = error instanceof ProblemError && error.status === 404 && !error.detail;
    section.replaceChildren(
      h('h2', { id: `report-${def.id}-title` }, def.title),
      h('div', { class: 'error-summary', role: 'alert' }, h('p', {}, unavailable ? 'This report is not available from this service yet.' : `${error.title ?? 'Could not load this report'}. ${error.detail ?? error.message}`)),
    );
    section.dataset.loaded = 'error';
  } finally {
    section.removeAttribute('aria-busy');
  }
}

async function showReports() {
  $('alert').replaceChildren();
  const form = /** @type {HTMLFormElement} */ ($('controls'));
  const from = /** @type {HTMLInputElement} */ ($('from')).value;
  const to = /** @type {HTMLInputElement} */ ($('to')).value;
  if (!from || !to || from > to) {
    showError(new ProblemError(0, 'Check the period', !from || !to ? 'Enter both dates, the first day and the last.' : 'The first day must be on or before the last.'));
    return;
  }
  destroyCharts();
  const main = $('main');
  main.dataset.loaded = 'false';
  $('status').textContent = 'Loading the figures…';
  const container = $('reports');
  const sections = REPORTS.map((def) => h('section', { class: 'report', id: `report-${def.id}`, 'data-report': def.id, 'aria-labelledby': `report-${def.id}-title` }, h('h2', { id: `report-${def.id}-title` }, def.title), h('p', {}, 'Loading…')));
  container.replaceChildren(...sections);
  $('contents-list').replaceChildren(...REPORTS.map((def) => h('li', {}, h('a', { href: `#report-${def.id}` }, def.title))));
  $('contents').hidden = false;
  $('reading').hidden = false;
  try {
    await Promise.all(REPORTS.map((def, i) => loadReport(def, sections[i])));
  } catch {
    return; // signed out
  }
  const params = new FormData(form);
  $('status').textContent = `Showing force ${params.get('force')}, ${longDate(from)} to ${longDate(to)}.`;
  main.dataset.loaded = 'true';
}

// ---- signing in -------------------------------------------------------------------------------

function showError(error) {
  const box = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' }, h('h2', {}, error.title ?? 'Something went wrong'), h('p', {}, error.detail ?? error.message));
  $('alert').replaceChildren(box);
  box.focus();
}

async function showSignIn(message) {
  const body = $('sign-in-body');
  const section = $('sign-in');
  section.hidden = false;
  const notice = message ? h('p', { class: 'error-summary', role: 'alert' }, message) : null;
  let mode = 'token';
  try {
    const config = await (await fetch('/dashboard/config.json')).json();
    mode = config.sign_in;
  } catch {
    // the service is unreachable: the pasted token still works once it is back
  }
  if (mode === 'development') {
    const users = await (await fetch('/dev/sign-in/users')).json();
    body.replaceChildren(
      h('div', { class: 'sign-in' }, notice, h('p', {}, 'Development sign-in: choose a demonstration user.'), h('ul', { class: 'sign-in__users' }, users.map((user) => {
        const button = h('button', { type: 'button', class: 'button button--choice' }, h('span', {}, `Sign in as ${user.name}`), h('span', { class: 'hint' }, `${category(user.role)} for ${user.force}`));
        button.addEventListener('click', async () => {
          const response = await fetch('/dev/sign-in', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ subject: user.subject }) });
          const signed = await response.json();
          const problem = useToken(signed.access_token);
          if (problem) showError(new ProblemError(0, 'Could not sign in', problem));
          else start();
        });
        return h('li', {}, button);
      }))),
    );
    return;
  }
  const input = h('textarea', { class: 'input', id: 'token', name: 'token', rows: '4', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'token-hint' });
  const form = h(
    'form',
    { class: 'sign-in', novalidate: true },
    notice,
    h('div', { class: 'field' }, h('label', { class: 'label', for: 'token' }, 'Bearer token'), h('p', { class: 'hint', id: 'token-hint' }, 'Paste the access token your force gave you for reporting. It is kept in this tab only, and forgotten when you close it.'), input),
    h('button', { class: 'button button--primary', type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const problem = useToken(/** @type {HTMLTextAreaElement} */ (input).value.trim());
    if (problem) showError(new ProblemError(0, 'Could not sign in', problem));
    else start();
  });
  body.replaceChildren(form);
}

function isoDate(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function start() {
  $('sign-in').hidden = true;
  $('alert').replaceChildren();
  const claims = state.claims;
  const signOutButton = h('button', { type: 'button', class: 'button button--header' }, 'Sign out');
  signOutButton.addEventListener('click', () => signOut(null));
  $('who').replaceChildren(h('p', {}, `${claims.name ?? claims.sub}, ${claims.role}`), signOutButton);
  const forces = claims.forces.filter((f) => f !== '*');
  const select = /** @type {HTMLSelectElement} */ ($('force'));
  select.replaceChildren(...forces.map((f) => h('option', { value: f }, f)));
  const from = /** @type {HTMLInputElement} */ ($('from'));
  const to = /** @type {HTMLInputElement} */ ($('to'));
  if (!to.value) {
    const today = new Date();
    const yearAgo = new Date(today.getFullYear() - 1, today.getMonth(), today.getDate() + 1);
    to.value = isoDate(today);
    from.value = isoDate(yearAgo);
  }
  $('controls').hidden = false;
  showReports();
}

function init() {
  if (window.Chart) {
    // large enough to read, dark enough to pass contrast, still at once (no motion)
    window.Chart.defaults.font.size = 14;
    window.Chart.defaults.color = '#0b0c0c';
  }
  $('controls').addEventListener('submit', (event) => {
    event.preventDefault();
    showReports();
  });
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved && !useToken(saved)) start();
  else showSignIn(saved ? 'Your sign-in has ended: sign in again to see the figures.' : null);
  document.documentElement.dataset.ready = 'true';
}

init();
