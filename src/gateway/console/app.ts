/**
 * The web console (served by the gateway at `/`): the catalog's jobs and states, a query box showing the decoded value
 * as a tree and as raw JSON with the key's route, batch lookups, and live charts of the gateway's request rate,
 * latency percentiles and errors, and a state's keys and a map's entries a page at a time. Plain DOM, no framework; scripts/build-console.mjs bundles it into one HTML page.
 * Every text from the server goes through textContent, never innerHTML.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface CatalogStateView {
  name: string;
  queryableName: string;
  aliases?: string[];
  kind: string;
  key: Json;
  namespace?: Json;
  value: Json;
  userKey?: Json;
}
interface CatalogJobView {
  name: string;
  jobId?: string;
  running?: string[];
  states: CatalogStateView[];
}
interface Problem {
  title: string;
  status: number;
  detail: string;
  code: string;
}
interface Second {
  t: number;
  requests: number;
  keys: number;
  clientErrors: number;
  serverErrors: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const TOKEN_KEY = "qstate-console-token";
let jobs: CatalogJobView[] = [];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** A GET or POST to the gateway with the token; a 401 shows the token form. */
async function api(path: string, init: RequestInit = {}): Promise<{ ok: boolean; status: number; body: unknown }> {
  const headers = new Headers(init.headers);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers });
  } catch (e) {
    return { ok: false, status: 0, body: { title: "Gateway unreachable", status: 0, code: "NETWORK", detail: String(e) } };
  }
  if (res.status === 401) $("auth").hidden = false;
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch { /* text */ }
  return { ok: res.ok, status: res.status, body };
}

const typeText = (t: Json | undefined) => (t === undefined ? "" : typeof t === "string" ? t : `unmapped ${(t as { serializer?: string }).serializer}`);

function describeState(s: CatalogStateView): string {
  const parts = [`${s.kind} state`, `key ${typeText(s.key)}`];
  if (s.namespace !== undefined && s.namespace !== "void") parts.push(`namespace ${typeText(s.namespace)}`);
  if (s.userKey !== undefined) parts.push(`map key ${typeText(s.userKey)}`);
  parts.push(`${s.kind === "aggregating" || s.kind === "folding" ? "accumulator" : s.kind === "list" ? "element" : "value"} ${typeText(s.value)}`);
  if (s.queryableName !== s.name) parts.push(`queryable as ${s.queryableName}`);
  return parts.join(" · ");
}

// ------------------------------------------------------------------------------------------------ catalog

async function loadCatalog(): Promise<void> {
  const r = await api("/v1/jobs");
  const box = $("catalog");
  box.textContent = "";
  if (!r.ok) {
    box.append(problemView(r.body as Problem));
    return;
  }
  const data = r.body as { jobs: CatalogJobView[]; resolvesNames: boolean; listingError?: Problem };
  jobs = data.jobs;
  if (data.listingError) box.append(problemView(data.listingError));
  for (const job of jobs) {
    const running = job.running === undefined ? "" : job.running.length === 0 ? "not running" : job.running.length === 1 ? `running ${job.running[0].slice(0, 8)}…` : `${job.running.length} running (ambiguous)`;
    const list = el("ul");
    for (const s of job.states) {
      const item = el("li", { "data-testid": `state-${job.name}-${s.name}`, title: describeState(s) }, s.name, el("span", { class: "kind" }, s.kind));
      item.addEventListener("click", () => select(job.name, s.name));
      list.append(item);
    }
    box.append(el("div", { class: "job", "data-testid": `job-${job.name}` }, el("h3", {}, job.name), el("div", { class: "muted" }, running), list));
  }
  if (jobs.length === 0) box.append(el("p", { class: "muted" }, "The catalog lists no jobs."));
  const jobSelect = $<HTMLSelectElement>("job");
  jobSelect.textContent = "";
  for (const job of jobs) jobSelect.append(el("option", { value: job.name }, job.name));
  fillStates();
}

function currentState(): CatalogStateView | undefined {
  const job = jobs.find((j) => j.name === $<HTMLSelectElement>("job").value);
  return job?.states.find((s) => s.name === $<HTMLSelectElement>("state").value);
}

function fillStates(): void {
  const job = jobs.find((j) => j.name === $<HTMLSelectElement>("job").value);
  const stateSelect = $<HTMLSelectElement>("state");
  stateSelect.textContent = "";
  for (const s of job?.states ?? []) stateSelect.append(el("option", { value: s.name }, s.name));
  showTypes();
}

function showTypes(): void {
  const s = currentState();
  $("types").textContent = s ? describeState(s) : "";
  $("ns-label").hidden = !(s?.namespace !== undefined && s.namespace !== "void");
  $("scan").hidden = s?.kind !== "map";
  $("keys-result").textContent = "";
  $("scan-result").textContent = "";
}

function select(job: string, state: string): void {
  $<HTMLSelectElement>("job").value = job;
  fillStates();
  $<HTMLSelectElement>("state").value = state;
  showTypes();
  $<HTMLInputElement>("key").focus();
}

// ------------------------------------------------------------------------------------------------ values

/** A value as a tree: objects and arrays nest (collapsible), scalars are colored by type. */
function tree(v: Json, label?: string): HTMLElement {
  const head = (text?: string) => (text === undefined ? [] : [el("span", { class: "k" }, text), ": "]);
  if (v !== null && typeof v === "object") {
    const entries: [string, Json][] = Array.isArray(v) ? v.map((x, i) => [`[${i}]`, x]) : Object.entries(v);
    const summary = el("summary", {}, ...head(label), Array.isArray(v) ? `list of ${entries.length}` : `${entries.length} field${entries.length === 1 ? "" : "s"}`);
    const list = el("ul", { class: "tree" });
    for (const [k, x] of entries) list.append(el("li", {}, tree(x, k)));
    const details = el("details", { open: "" }, summary, list);
    return details;
  }
  const cls = v === null ? "z" : typeof v === "string" ? "s" : typeof v === "number" ? "n" : "b";
  return el("span", {}, ...head(label), el("span", { class: cls }, typeof v === "string" ? JSON.stringify(v) : String(v)));
}

function problemView(p: Problem): HTMLElement {
  return el("div", { class: "error", "data-testid": "problem" }, el("code", {}, p.code ?? String(p.status)), ` ${p.title ?? ""}: `, p.detail ?? JSON.stringify(p));
}

function keyParam(text: string): string {
  return encodeURIComponent(text);
}

async function runQuery(ev: Event): Promise<void> {
  ev.preventDefault();
  const s = currentState();
  const job = $<HTMLSelectElement>("job").value;
  if (!s) return;
  const key = $<HTMLInputElement>("key").value;
  const ns = $<HTMLInputElement>("namespace").value.trim();
  const base = `/v1/jobs/${encodeURIComponent(job)}/states/${encodeURIComponent(s.name)}`;
  const result = $("result");
  result.textContent = "Looking up…";
  const r = await api(`${base}?key=${keyParam(key)}${ns && !$("ns-label").hidden ? `&namespace=${encodeURIComponent(ns)}` : ""}`);
  result.textContent = "";
  if (!r.ok) result.append(problemView(r.body as Problem));
  else {
    const body = r.body as { value: Json; job: { id: string } };
    result.append(el("div", { class: "tree-box", "data-testid": "tree" }, tree(body.value, "value")));
    result.append(el("pre", { "data-testid": "raw" }, JSON.stringify(body, null, 2)));
  }
  const route = await api(`${base}/route?key=${keyParam(key)}`);
  const box = $("route");
  box.textContent = "";
  if (route.ok) {
    const x = route.body as Record<string, unknown>;
    const parts: (string | Node)[] = [`Java hash ${x.javaHashCode}`];
    if (x.keyGroup !== undefined) parts.push(" · key group ", el("b", { "data-testid": "key-group" }, String(x.keyGroup)), ` of ${x.maxParallelism}`);
    if (x.operatorIndex !== undefined) parts.push(` · subtask ${x.operatorIndex} of ${x.parallelism}`);
    if (x.server !== undefined) parts.push(" · server ", el("b", { "data-testid": "server" }, String(x.server)));
    box.append(el("div", { class: "route" }, ...parts), el("div", { class: "muted" }, ((x.notes as string[]) ?? []).join("; ")));
  }
}

function batchKeys(text: string, keyType: string): Json[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "").map((line) => {
    if (keyType === "string" && !line.startsWith('"')) return line;
    try {
      return JSON.parse(line) as Json;
    } catch {
      return line;
    }
  });
}

async function runBatch(ev: Event): Promise<void> {
  ev.preventDefault();
  const s = currentState();
  if (!s) return;
  const keys = batchKeys($<HTMLTextAreaElement>("keys").value, typeText(s.key));
  const out = $("batch-result");
  if (keys.length === 0) {
    out.textContent = "Paste some keys, one per line.";
    return;
  }
  const ns = $<HTMLInputElement>("namespace").value.trim();
  const body: { keys: Json[]; namespace?: Json } = { keys };
  if (ns && !$("ns-label").hidden) {
    try {
      body.namespace = JSON.parse(ns) as Json;
    } catch {
      body.namespace = ns;
    }
  }
  out.textContent = `Looking up ${keys.length} keys…`;
  const job = $<HTMLSelectElement>("job").value;
  const r = await api(`/v1/jobs/${encodeURIComponent(job)}/states/${encodeURIComponent(s.name)}/batch`, { method: "POST", body: JSON.stringify(body) });
  out.textContent = "";
  if (!r.ok) {
    out.append(problemView(r.body as Problem));
    return;
  }
  const results = (r.body as { results: ({ key: Json; value: Json } | { key: Json; error: Problem })[] }).results;
  const found = results.filter((x) => "value" in x).length;
  const table = el("table", { "data-testid": "batch-table" }, el("tr", {}, el("th", {}, "key"), el("th", {}, "value")));
  for (const x of results) {
    const cell = "value" in x ? el("td", {}, el("code", {}, JSON.stringify(x.value))) : el("td", { class: "error" }, el("code", {}, x.error.code), ` ${x.error.detail}`);
    table.append(el("tr", {}, el("td", {}, el("code", {}, JSON.stringify(x.key))), cell));
  }
  out.append(el("p", { class: "muted", "data-testid": "batch-summary" }, `${found} of ${results.length} found`), table);
}

// ------------------------------------------------------------------------------------------------ browse: keys, map scans

/** The page size of the browse form (the gateway refuses one above its limit, saying so). */
const pageSize = () => encodeURIComponent($<HTMLInputElement>("page-size").value.trim() || "50");

/** The namespace query parameter of the query form, when the state has one. */
function namespaceParam(): string {
  const ns = $<HTMLInputElement>("namespace").value.trim();
  return ns && !$("ns-label").hidden ? `&namespace=${encodeURIComponent(ns)}` : "";
}

/**
 * Pages of `path` (`…&cursor=` appended for the next) into `out`: `rows` renders a page's items into `list`; a
 * "More" button fetches the next page while the last answer had a cursor.
 */
async function paged(
  out: HTMLElement,
  path: string,
  list: HTMLElement,
  rows: (body: Record<string, unknown>) => number,
  nouns: [string, string],
  testid: string,
): Promise<void> {
  out.textContent = "Loading…";
  let count = 0;
  const summary = el("p", { class: "muted", "data-testid": `${testid}-summary` });
  const more = el("button", { type: "button", class: "more", "data-testid": `${testid}-more` }, "More");
  const page = async (cursor?: string) => {
    more.hidden = true;
    const r = await api(cursor === undefined ? path : `${path}&cursor=${encodeURIComponent(cursor)}`);
    if (out.firstChild?.nodeType === Node.TEXT_NODE) out.textContent = "";
    if (!r.ok) {
      out.append(problemView(r.body as Problem));
      return;
    }
    const body = r.body as Record<string, unknown> & { cursor: string | null };
    if (!list.isConnected) out.append(summary, list, more);
    count += rows(body);
    summary.textContent = `${count} ${nouns[count === 1 ? 0 : 1]}${body.cursor === null ? "" : ", more to come"}`;
    more.hidden = body.cursor === null;
    more.onclick = () => void page(body.cursor!);
  };
  await page();
}

async function listKeys(ev: Event): Promise<void> {
  ev.preventDefault();
  const s = currentState();
  if (!s) return;
  const job = $<HTMLSelectElement>("job").value;
  const base = `/v1/jobs/${encodeURIComponent(job)}/states/${encodeURIComponent(s.name)}`;
  const list = el("ul", { class: "keylist", "data-testid": "keys-list" });
  await paged($("keys-result"), `${base}/keys?pageSize=${pageSize()}${namespaceParam()}`, list, (body) => {
    const keys = body.keys as Json[];
    for (const k of keys) {
      const text = typeof k === "string" ? k : JSON.stringify(k);
      const b = el("button", { type: "button", title: "Look this key up" }, text);
      b.addEventListener("click", () => {
        $<HTMLInputElement>("key").value = text;
        $<HTMLFormElement>("query").requestSubmit();
      });
      list.append(el("li", {}, b));
    }
    return keys.length;
  }, ["key", "keys"], "keys");
}

async function scanMap(ev: Event): Promise<void> {
  ev.preventDefault();
  const s = currentState();
  if (!s) return;
  const job = $<HTMLSelectElement>("job").value;
  const key = $<HTMLInputElement>("key").value;
  let path = `/v1/jobs/${encodeURIComponent(job)}/states/${encodeURIComponent(s.name)}/scan?key=${keyParam(key)}&pageSize=${pageSize()}${namespaceParam()}`;
  for (const bound of ["prefix", "from", "to"]) {
    const v = $<HTMLInputElement>(`scan-${bound}`).value;
    if (v !== "") path += `&${bound}=${encodeURIComponent(v)}`;
  }
  const table = el("table", { "data-testid": "scan-table" }, el("tr", {}, el("th", {}, "map key"), el("th", {}, "value")));
  await paged($("scan-result"), path, table, (body) => {
    const entries = body.entries as { userKey: Json; value: Json }[];
    for (const e of entries) table.append(el("tr", {}, el("td", {}, el("code", {}, JSON.stringify(e.userKey))), el("td", {}, el("code", {}, JSON.stringify(e.value)))));
    return entries.length;
  }, ["entry", "entries"], "scan");
}

// ------------------------------------------------------------------------------------------------ live charts

interface Line {
  values: (number | null)[];
  color: string;
  name: string;
}

/** A small line chart as SVG (no library): the lines share one scale, starting at 0. */
function chart(title: string, lines: Line[], unit: string, testid: string): HTMLElement {
  const W = 240, H = 70;
  const n = Math.max(...lines.map((l) => l.values.length));
  const max = Math.max(1e-9, ...lines.flatMap((l) => l.values.filter((v): v is number => v !== null)));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("preserveAspectRatio", "none");
  for (const l of lines) {
    let d = "";
    l.values.forEach((v, i) => {
      if (v === null) return;
      const x = (i / Math.max(1, n - 1)) * W, y = H - 4 - (v / max) * (H - 8);
      d += `${d === "" || l.values[i - 1] === null ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`;
    });
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", l.color);
    path.setAttribute("stroke-width", "1.5");
    svg.append(path);
    // A second alone between empty ones has no line to draw: a dot shows it.
    l.values.forEach((v, i) => {
      if (v === null || (l.values[i - 1] ?? null) !== null || (l.values[i + 1] ?? null) !== null) return;
      const dot = document.createElementNS(ns, "circle");
      dot.setAttribute("cx", ((i / Math.max(1, n - 1)) * W).toFixed(1));
      dot.setAttribute("cy", (H - 4 - (v / max) * (H - 8)).toFixed(1));
      dot.setAttribute("r", "2");
      dot.setAttribute("fill", l.color);
      svg.append(dot);
    });
  }
  const now = lines.map((l) => `${l.name} ${fmt(summary(l.values))}${unit}`).join(" · ");
  return el("div", { class: "chart", "data-testid": testid }, el("h3", { class: "muted" }, title), svg as unknown as HTMLElement, el("div", { class: "now" }, now));
}

/** What a chart's caption says: for rates, the mean of the last five whole seconds; for latencies, the latest known. */
let summary: (values: (number | null)[]) => number = () => 0;
const rateOf = (values: (number | null)[]) => values.slice(-6, -1).reduce<number>((a, v) => a + (v ?? 0), 0) / 5;
const latestOf = (values: (number | null)[]) => [...values].reverse().find((v) => v !== null) ?? 0;

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, "") || "0";
}

async function refreshStats(): Promise<void> {
  const r = await api("/v1/stats");
  if (!r.ok) return;
  const series = (r.body as { series: Second[] }).series.slice(-60);
  const box = $("charts");
  summary = rateOf;
  const rate = chart("Requests per second", [{ name: "last 5 s", color: "#2456a6", values: series.map((s) => s.requests) }], "/s", "chart-rate");
  const errors = chart("Errors per second", [
    { name: "4xx", color: "#a15c00", values: series.map((s) => s.clientErrors) },
    { name: "5xx", color: "#b3261e", values: series.map((s) => s.serverErrors) },
  ], "/s", "chart-errors");
  summary = latestOf;
  box.replaceChildren(
    rate,
    chart("Latency (ms)", [
      { name: "p50", color: "#1f7a3a", values: series.map((s) => s.p50) },
      { name: "p90", color: "#a15c00", values: series.map((s) => s.p90) },
      { name: "p99", color: "#b3261e", values: series.map((s) => s.p99) },
    ], " ms", "chart-latency"),
    errors,
  );
}

async function refreshReady(): Promise<void> {
  const r = await api("/readyz");
  const pill = $("ready");
  const body = r.body as { status?: string; reason?: string };
  pill.textContent = r.ok ? "ready" : `unavailable${body?.reason ? `: ${body.reason}` : ""}`;
  pill.className = `pill ${r.ok ? "ok" : "bad"}`;
}

// ------------------------------------------------------------------------------------------------ start

$("job").addEventListener("change", fillStates);
$("state").addEventListener("change", showTypes);
$("query").addEventListener("submit", (e) => void runQuery(e));
$("batch").addEventListener("submit", (e) => void runBatch(e));
$("list").addEventListener("submit", (e) => void listKeys(e));
$("scan").addEventListener("submit", (e) => void scanMap(e));
$("auth").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $<HTMLInputElement>("token").value);
  $("auth").hidden = true;
  void loadCatalog();
});
void loadCatalog();
void refreshReady();
void refreshStats();
setInterval(() => void refreshStats(), 1000);
setInterval(() => void refreshReady(), 5000);
