// kyodo's browser suite (started by scripts/browser, which starts the server).
//
// As each demo role, at a desk's 1280×800 and a phone's 390×844, it visits
// every page the role's menu reaches and the first detail page of each list,
// and records as a failure:
//   - a console error or an uncaught page error (CSP violations are console errors),
//   - a 4xx/5xx or a failed request of the site's own resources (favicon included),
//   - horizontal scrolling of the page,
//   - an axe-core violation of impact serious or critical, and landmark-unique at any impact,
//   - duplicate element ids,
//   - a 「印刷する」 button that does not call window.print, a <details> that
//     does not open when clicked, an answer-template select that fills nothing.
// Every page is screenshotted (full page) into OUT/screenshots; OUT/report.txt
// lists every page with what failed on it.
//
// Then the users' flows (browser/flows.mjs) are walked end to end through the
// pages — a team's three steps on an issue and the department's answer, a
// staff CSV import, the printouts, a community's issue with a photo — each
// counted as one pass or failure, listed with its steps, taps and typed
// fields in the report's "flows" section. They run beside the page walk.
//
//   node browser/run.mjs --base http://127.0.0.1:PORT --out target/browser
//     [--roles coordinator,liaison] [--only REGEX] [--flows all|none|2,5] [--flows-only]
//
// The site's CSP is left as it is: axe's source goes in through the DevTools
// protocol (page.evaluate), which the page's CSP does not govern, and
// window.print is stubbed the same way.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { FLOWS, runFlow } from "./flows.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const { values: args } = parseArgs({
  options: {
    base: { type: "string" },
    out: { type: "string", default: "target/browser" },
    chromium: { type: "string", default: process.env.KYODO_CHROMIUM || "/usr/bin/chromium" },
    password: { type: "string", default: "kyodo-demo-2026" },
    roles: { type: "string", default: "coordinator,admin,liaison,department,community" },
    // A regular expression: only the paths it matches are checked (menus and lists are still walked).
    only: { type: "string" },
    jobs: { type: "string", default: "2" },
    // The users' flows to walk (browser/flows.mjs): "all", "none" or keys such as 2,5.
    flows: { type: "string", default: "all" },
    // Only the flows: no page walk.
    "flows-only": { type: "boolean", default: false },
  },
});
if (!args.base) {
  console.error("usage: node browser/run.mjs --base URL [--out DIR]");
  process.exit(2);
}
const base = args.base.replace(/\/$/, "");
const only = args.only ? new RegExp(args.only) : null;
const ROLE_ORDER = args.roles.split(",");
const flowKeys = args.flows === "all" ? null : args.flows === "none" ? [] : args.flows.split(",");
const flows = FLOWS.filter((f) => !flowKeys || flowKeys.includes(f.key));
const origin = new URL(base).origin;
mkdirSync(`${args.out}/screenshots`, { recursive: true });

const VIEWPORTS = [
  { name: "1280", viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false },
  // Not isMobile: Chromium's mobile emulation widens the layout viewport to
  // fit content that is too wide, which hides the overflow this suite looks
  // for (and offsets clicks). The page's own meta viewport says device-width
  // anyway, so a 390 px window lays out as the phone does.
  { name: "390", viewport: { width: 390, height: 844 }, isMobile: false, hasTouch: true },
];

// Pages reached from a list besides its own `/list/{id}`: the first link of each kind is visited.
const EXTRA_LINKS = {
  "/workload": [/^\/workload\/report$/, /^\/workload\/staff\/\d+$/],
  "/appointments": [/^\/appointments\/coverage$/, /^\/appointments\/next-april$/],
  "/areas": [/^\/areas\/\d+\/team$/],
  "/issues": [/^\/issues\/dashboard$/],
  "/grants": [/^\/grants\/schemes\/\d+$/, /^\/grants\/overview$/],
  // The public site, as residents see it: from the calendar to the top, a district and a body.
  "/events": [/^\/p\/\d+\/calendar$/, /^\/events\/annual$/],
  "/case-studies": [/^\/case-studies\/new$/],
};

// The same for detail pages, by the pattern of their path.
const EXTRA_BY_PATTERN = [
  [/^\/organisations\/\d+$/, [/^\/organisations\/\d+\/evacuation-support$/, /^\/grants\/\d+$/]],
  [/^\/grants\/\d+$/, [/^\/grants\/\d+\/steps\/\d+\/form$/]],
  [/^\/p\/\d+\/calendar$/, [/^\/p\/\d+$/, /^\/p\/\d+\/events\/\d+$/]],
  [/^\/p\/\d+$/, [/^\/p\/\d+\/areas\/\d+$/]],
  [/^\/p\/\d+\/areas\/\d+$/, [/^\/p\/\d+\/organisations\/\d+$/]],
  // A 年間行事カレンダー, its sheet, and the sheet as residents print it.
  [/^\/events\/annual\/\d+$/, [/^\/events\/annual\/\d+\/print$/, /^\/p\/\d+\/annual\/\d+$/]],
  // A case study, then as residents read it, and their list of cases.
  [/^\/case-studies\/\d+$/, [/^\/p\/\d+\/case-studies\/\d+$/]],
  [/^\/p\/\d+\/case-studies\/\d+$/, [/^\/p\/\d+\/case-studies$/]],
];

const AXE_IMPACTS = new Set(["serious", "critical"]);
const AXE_ALWAYS = new Set(["landmark-unique"]);

const started = Date.now();
const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  // This machine's closed network refuses Chromium's own background traffic.
  args: [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=ja-JP",
  ],
});

const results = []; // { role, width, path, failures: [string], shot }
const flowResults = []; // see flows.mjs: runFlow
// Seconds spent per step, summed over the visits (both jobs), for the report.
const spent = {};
async function timed(step, promise) {
  const t = Date.now();
  try {
    return await promise;
  } finally {
    spent[step] = (spent[step] || 0) + (Date.now() - t) / 1000;
  }
}
let fatal = null;

// Two roles at a time: Chromium renders one page while axe runs on the other.
// The flows go one after the other in a lane of their own beside them: they
// mostly wait for the server, and their own data (new issues, accounts,
// staff) only adds to what the walk sees.
const roles = args["flows-only"] ? [] : args.roles.split(",");
try {
  const next = () => roles.shift();
  const worker = async () => {
    for (let role = next(); role; role = next()) await walkRole(role);
  };
  const flowLane = async () => {
    for (const flow of flows) {
      flowResults.push(await runFlow(flow, { browser, base, origin, out: args.out, password: args.password }));
    }
  };
  await Promise.all([...Array.from({ length: Number(args.jobs) }, worker), flowLane()]);
} catch (error) {
  fatal = error;
} finally {
  await browser.close();
}
results.sort((a, b) => order(a) - order(b));
flowResults.sort((a, b) => Number(a.key) - Number(b.key));

const seconds = ((Date.now() - started) / 1000).toFixed(1);
const failed = results.filter((r) => r.failures.length);
const flowsRun = flowResults.filter((f) => !f.skipped);
const flowsFailed = flowsRun.filter((f) => !f.ok);
const passed = results.length - failed.length + flowsRun.length - flowsFailed.length;
const failedCount = failed.length + flowsFailed.length + (fatal ? 1 : 0);
const lines = [
  `kyodo browser suite — ${base}, ${new Date().toISOString()}`,
  `${results.length} page visits (${args["flows-only"] ? "none" : args.roles}; 1280×800 and 390×844) and ${flowsRun.length} flows in ${seconds} s`,
  `time per step, summed over the visits: ${Object.entries(spent)
    .map(([step, t]) => `${step} ${t.toFixed(1)} s`)
    .join(", ")}`,
  "",
];
for (const r of results) {
  const tried = r.used
    ? Object.entries(r.used)
        .filter(([, n]) => n)
        .map(([what, n]) => `${what} ×${n}`)
        .join(", ")
    : "";
  lines.push(
    `${r.failures.length ? "FAIL" : "ok  "} ${r.role} ${r.width} ${r.path}  (screenshots/${r.shot})${tried ? `  used: ${tried}` : ""}`,
  );
  for (const f of r.failures) lines.push(`       - ${f}`);
}
if (flowResults.length) lines.push("", "flows (browser/flows.mjs; each counts as one pass or failure):", ...flowLines(flowResults));
if (fatal) lines.push("", `the suite stopped: ${fatal.stack || fatal}`);
lines.push("", `browser: ${passed} passed, ${failedCount} failed`);
writeFileSync(`${args.out}/report.txt`, lines.join("\n") + "\n");

if (fatal) console.error(`the suite stopped: ${fatal.stack || fatal}`);
if (failed.length) {
  console.log(`\n${failed.length} page visits failed (full report: ${args.out}/report.txt):`);
  for (const r of failed) {
    console.log(`  ${r.role} ${r.width} ${r.path}`);
    for (const f of r.failures) console.log(`       - ${f}`);
  }
}
if (flowResults.length) console.log(["", "flows:", ...flowLines(flowResults)].join("\n"));
console.log(`browser: ${passed} passed, ${failedCount} failed (${seconds} s)`);
process.exit(failedCount ? 1 : 0);

// ---------------------------------------------------------------------------

// The flows' part of the report: each flow, its taps and typed fields, its steps.
function flowLines(records) {
  const out = [];
  for (const f of records) {
    if (f.skipped) {
      out.push(`skip flow ${f.key} ${f.name}: ${f.skipped} — ${f.title}`);
      continue;
    }
    out.push(
      `${f.ok ? "ok  " : "FAIL"} flow ${f.key} ${f.name}: ${f.taps} taps, ${f.typed} typed fields (and ${f.signIns} sign-ins), ${f.seconds.toFixed(1)} s — ${f.title}`,
    );
    for (const s of f.steps) {
      out.push(`       ${s.failures.length ? "✗" : "✓"} ${s.label}${s.shot ? `  (screenshots/${s.shot})` : ""}`);
      for (const m of s.failures) out.push(`           - ${m}`);
    }
    for (const m of f.failures) out.push(`       - ${m}`);
  }
  return out;
}

function order(r) {
  return ROLE_ORDER.indexOf(r.role) * 1e6 + (r.width === "1280" ? 0 : 5e5) + r.seq;
}

async function walkRole(role) {
  const login = `arao-${role}`;
  let storageState = null;
  let pages = null;
  for (const vp of VIEWPORTS) {
    const context = await browser.newContext({
      viewport: vp.viewport,
      isMobile: vp.isMobile,
      hasTouch: vp.hasTouch,
      locale: "ja-JP",
      timezoneId: "Asia/Tokyo",
      storageState: storageState || undefined,
    });
    context.setDefaultTimeout(5000);
    context.setDefaultNavigationTimeout(30000);
    await context.addInitScript(() => {
      window.__kyodoPrints = 0;
      window.print = () => {
        window.__kyodoPrints += 1;
      };
    });
    const page = await context.newPage();
    const events = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") events.push(`console error: ${msg.text()}${where(msg.location())}`);
    });
    page.on("pageerror", (error) => events.push(`page error: ${error.message}`));
    page.on("response", (response) => {
      if (response.status() >= 400 && response.url().startsWith(origin)) {
        events.push(`HTTP ${response.status()} for ${response.url().slice(origin.length)}`);
      }
    });
    page.on("requestfailed", (request) => {
      // ERR_ABORTED: the suite navigated on while it loaded (the favicon, often); not the site's fault.
      if (request.url().startsWith(origin) && request.failure()?.errorText !== "net::ERR_ABORTED") {
        events.push(`request failed: ${request.url().slice(origin.length)} (${request.failure()?.errorText})`);
      }
    });
    page.on("dialog", (dialog) => dialog.accept());

    if (!storageState) {
      await signIn(page, login);
      storageState = await context.storageState();
      pages = await menuPages(page);
    }

    const visited = new Set();
    const queue = [...pages];
    // Once per role and viewport: the favicon, and the menu's dropdowns (the same on every page).
    let firstPage = true;
    while (queue.length) {
      const path = queue.shift();
      if (visited.has(path)) continue;
      visited.add(path);
      if (only && !only.test(path)) {
        if (vp === VIEWPORTS[0]) {
          await page.goto(base + path, { waitUntil: "load" });
          for (const found of await discover(page, path)) if (!pages.includes(found)) pages.push(found), queue.push(found);
        }
        continue;
      }
      events.length = 0;
      const failures = [];
      let used = null;
      const shot = `${role}-${vp.name}-${slug(path)}.png`;
      try {
        const response = await timed("load", page.goto(base + path, { waitUntil: "load" }));
        if (new URL(page.url()).pathname === "/login") {
          failures.push("sent to the login page");
        } else if (!response || response.status() >= 400) {
          failures.push(`the page answered ${response ? response.status() : "nothing"}`);
        }
        const first = firstPage;
        firstPage = false;
        if (first) {
          failures.push(...(await checkFavicon(page, context)));
        }
        failures.push(...(await timed("layout", checkLayout(page, vp.viewport.width))));
        failures.push(...(await checkCards(page, vp.viewport.width, path)));
        failures.push(...(await checkIds(page)));
        failures.push(...(await timed("axe", checkAxe(page))));
        await timed("screenshot", page.screenshot({ path: `${args.out}/screenshots/${shot}`, fullPage: true, timeout: 30000 }));
        const controls = await timed("controls", checkControls(page, first));
        failures.push(...controls.failures);
        used = controls.used;
        // Detail pages are found at the desk; the phone visits the same list.
        if (vp === VIEWPORTS[0]) {
          for (const found of await discover(page, path)) {
            if (!pages.includes(found)) pages.push(found);
            queue.push(found);
          }
        }
      } catch (error) {
        failures.push(`the check stopped: ${String(error.message).split("\n")[0]}`);
      }
      failures.push(...events);
      const unique = [...new Set(failures)];
      results.push({ role, width: vp.name, path, failures: unique, shot, used, seq: results.length });
      console.log(`${unique.length ? "FAIL" : "ok  "} ${role.padEnd(11)} ${vp.name.padStart(4)} ${path}`);
      for (const f of unique) console.log(`       - ${f}`);
    }
    await context.close();
  }
}

function where(location) {
  if (!location || !location.url) return "";
  return ` (${location.url.replace(origin, "")}:${location.lineNumber})`;
}

function slug(path) {
  const s = path.replace(/^\//, "").replace(/[^A-Za-z0-9_-]+/g, "-").replace(/-+$/, "");
  return s || "home";
}

async function signIn(page, login) {
  await page.goto(`${base}/login`, { waitUntil: "load" });
  await page.fill("#login", login);
  await page.fill("#password", args.password);
  await Promise.all([page.waitForURL((url) => url.pathname !== "/login"), page.click("form[action='/login'] button[type=submit]")]);
}

// The menu's links (wherever the menu folds them away), the home page's quick actions, the home page and the account page.
async function menuPages(page) {
  // The home page's quick actions are the forms a role fills in most: checked as pages too.
  const hrefs = await page.$$eval("header nav a[href], main nav.quick-actions a[href]", (links) => links.map((a) => a.getAttribute("href")));
  const paths = ["/", ...hrefs.filter((h) => h.startsWith("/")), "/account", "/help"];
  return [...new Set(paths)];
}

async function detailLinks(page, path) {
  const patterns = [
    new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\d+$`),
    ...(EXTRA_LINKS[path] || []),
    ...EXTRA_BY_PATTERN.filter(([p]) => p.test(path)).flatMap(([, extra]) => extra),
  ];
  if (path === "/") return [];
  const hrefs = await page.$$eval("main a[href]", (links) => links.map((a) => a.getAttribute("href")));
  const found = [];
  for (const pattern of patterns) {
    const href = hrefs.find((h) => pattern.test(h.split("?")[0].split("#")[0]));
    if (href) found.push(href.split("#")[0]);
  }
  return found;
}

async function discover(page, path) {
  const links = await detailLinks(page, path);
  // The demo has no rotation plan: make one, so that its page (and its print button) is checked.
  if (path === "/rotation" && !links.length) links.push(...(await makeRotationPlan(page)));
  return links;
}

async function makeRotationPlan(page) {
  const submit = page.locator("main form[action='/rotation'] button[type=submit]");
  if (!(await submit.count())) return [];
  await Promise.all([page.waitForURL(/\/rotation\/\d+/, { timeout: 60000 }), submit.click()]);
  return [new URL(page.url()).pathname];
}

async function checkFavicon(page, context) {
  const href = await page.evaluate(() => {
    const link = document.querySelector("link[rel~='icon']");
    return link ? link.href : new URL("/favicon.ico", location.href).href;
  });
  const response = await context.request.get(href);
  return response.ok() ? [] : [`favicon ${href.replace(origin, "")}: HTTP ${response.status()}`];
}

async function checkLayout(page, width) {
  const layout = await page.evaluate((vw) => {
    const html = document.documentElement;
    if (html.scrollWidth <= vw) return null;
    // Name the outermost elements that stick out, so that the report says where.
    const sticking = [];
    // Whether an ancestor's overflow clips el: only its containing blocks
    // do, which for a position:absolute element skips static ancestors.
    const clipped = (el) => {
      const own = getComputedStyle(el).position;
      if (own === "fixed") return false;
      let skipping = own === "absolute";
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const style = getComputedStyle(a);
        if (skipping && style.position === "static") continue;
        if (style.overflowX !== "visible") return true;
        if (style.position === "fixed") return false;
        skipping = style.position === "absolute";
      }
      return false;
    };
    for (const el of document.body.querySelectorAll("*")) {
      const rect = el.getBoundingClientRect();
      if (rect.right <= vw + 0.5 || rect.width === 0 || clipped(el)) continue;
      const parent = el.parentElement;
      if (parent !== document.body && parent.getBoundingClientRect().right > vw + 0.5 && !clipped(parent)) continue;
      let name = el.tagName.toLowerCase();
      if (el.id) name += `#${el.id}`;
      if (el.classList.length) name += "." + [...el.classList].join(".");
      sticking.push(`${name} (right ${Math.round(rect.right)})`);
      if (sticking.length >= 4) break;
    }
    return { scrollWidth: html.scrollWidth, sticking };
  }, width);
  if (!layout) return [];
  return [`scrolls sideways: ${layout.scrollWidth} px wide at ${width} px; sticking out: ${layout.sticking.join(", ") || "?"}`];
}

// On a phone a list is cards: the field that matters for each list shows on
// every card, and no card is cut at the right edge.
async function checkCards(page, width, path) {
  if (width > 480) return [];
  const field = { "/issues": "状況", "/activities": "時間", "/meetings": "会議名" }[path];
  return page.evaluate(
    ({ field }) => {
      const problems = [];
      const visible = (el) => el.offsetParent !== null && el.getBoundingClientRect().width > 0;
      for (const wrap of document.querySelectorAll(".table-wrap")) {
        if (!wrap.querySelector("table.data-table--cards")) continue;
        if (wrap.scrollWidth > wrap.clientWidth + 1) problems.push(`a card list scrolls sideways (${wrap.scrollWidth} px in ${wrap.clientWidth} px)`);
      }
      if (field) {
        const rows = [...document.querySelectorAll("table.data-table tbody tr")];
        if (rows.length && !rows.every((r) => [...r.querySelectorAll(`td[data-label="${field}"]`)].some(visible))) {
          problems.push(`「${field}」 does not show on every row on a phone`);
        }
      }
      return problems;
    },
    { field },
  );
}

async function checkIds(page) {
  const dups = await page.evaluate(() => {
    const seen = new Map();
    for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
  });
  return dups.length ? [`duplicate ids: ${dups.join(", ")}`] : [];
}

async function checkAxe(page) {
  const violations = await page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
      count: v.nodes.length,
    }));
  }, axeSource);
  return violations
    .filter((v) => AXE_IMPACTS.has(v.impact) || AXE_ALWAYS.has(v.id))
    .map((v) => `axe ${v.id} (${v.impact}): ${v.help} — ${v.count} element(s): ${v.nodes.join(" | ")}`);
}

// Controls that must do something when used.
// Returns the failures, and what was used (for the report: a check that
// found no control proves nothing).
async function checkControls(page, withMenu) {
  const failures = [];
  const used = { print: 0, details: 0, template: 0 };

  // 「印刷する」 and anything marked data-print must ask for the print dialog.
  const printButtons = page.locator("main button:has-text('印刷する'), main [data-print]");
  for (let i = 0; i < (await printButtons.count()); i++) {
    const button = printButtons.nth(i);
    if (!(await button.isVisible())) continue;
    const before = await page.evaluate(() => window.__kyodoPrints);
    used.print += 1;
    await button.click();
    const called = await page
      .waitForFunction((n) => window.__kyodoPrints > n, before, { timeout: 2000 })
      .then(() => true, () => false);
    if (!called) failures.push(`「${(await button.innerText()).trim()}」 did not call window.print`);
  }
  // What is printed is the page, not the menu around it.
  if (await printButtons.count()) {
    await page.emulateMedia({ media: "print" });
    if (await page.locator("header nav").isVisible()) failures.push("the menu is printed");
    await page.emulateMedia({ media: null });
  }

  // Every visible collapsible opens when its summary is clicked. The menu's
  // are the same on every page: they are tried on a role's first page.
  const details = page.locator(withMenu ? "details" : "main details");
  for (let i = 0; i < (await details.count()); i++) {
    const summary = details.nth(i).locator(":scope > summary");
    if (!(await summary.count()) || !(await summary.isVisible())) continue;
    const label = (await summary.innerText()).trim().split("\n")[0].slice(0, 30);
    const wasOpen = await details.nth(i).evaluate((d) => d.open);
    used.details += 1;
    await summary.click();
    const open = await details.nth(i).evaluate((d) => d.open);
    if (open === wasOpen) {
      failures.push(`<details> 「${label}」 did not ${wasOpen ? "close" : "open"} when clicked`);
      continue;
    }
    if (!wasOpen) {
      const shown = await details
        .nth(i)
        .evaluate((d) => [...d.children].some((c) => c.tagName !== "SUMMARY" && c.getClientRects().length > 0));
      if (!shown) failures.push(`<details> 「${label}」 opened but shows nothing`);
    }
    await details.nth(i).evaluate((d, open) => (d.open = open), wasOpen);
  }

  // An answer-template select copies the chosen text into its field.
  const fills = page.locator("select[data-fill]");
  for (let i = 0; i < (await fills.count()); i++) {
    const select = fills.nth(i);
    if (!(await select.isVisible())) continue;
    const option = await select.evaluate((s) => [...s.options].find((o) => o.value)?.value ?? null);
    if (option === null) continue;
    const target = await select.getAttribute("data-fill");
    used.template += 1;
    await select.selectOption(option);
    const value = await page.evaluate((id) => document.getElementById(id)?.value ?? null, target);
    if (value !== option) failures.push(`the template select for #${target} did not fill it`);
  }
  return { failures, used };
}
