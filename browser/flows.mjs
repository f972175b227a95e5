// The users' flows, walked end to end through the pages as people use them
// (see run.mjs, which runs them beside its page walk).
//
// Each flow is a function of a Flow: it opens its own browser context per
// account (Flow.as), and does what the user does — taps (click, tap,
// selectOption, check, choosing a file) and typed fields (fill), each
// counted for the report — in named steps (Flow.step). A step that throws
// stops the flow; Flow.expect records a failure and lets the flow go on.
// Console errors, page errors and unexpected 4xx/5xx answers of the site
// fail the step they happen in. Key moments are screenshotted into
// OUT/screenshots/flow-N-NN-what.png.
//

import { fileURLToPath } from "node:url";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

const DESK = { viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false };
// As in run.mjs: a 390 px window with touch, not Chromium's mobile emulation.
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: false, hasTouch: true };

export const FLOWS = [
  {
    key: "1",
    name: "liaison",
    title: "地域担当職員がスマホで会議を記録し、議事録から課題を起こし、活動を3件記録する",
    run: liaisonFlow,
  },
  { key: "2", name: "team", title: "課題の方針を3人で作成・確認・決定し、担当部署が回答し、地域に報告する", run: teamFlow },
  { key: "3", name: "import", title: "所管課が職員CSV（Shift_JIS）を取り込み、誤りを直して取り込み、名簿を印刷する", run: importFlow },
  { key: "4", name: "print", title: "所管課が地区別の活動報告と引継ぎ書を印刷する", run: printFlow },
  { key: "5", name: "community", title: "地域団体が写真つきで課題を伝え、回答を確かめる", run: communityFlow },
  { key: "6", name: "grant", title: "地域団体がスマホで領収書つきの支出を記録し、所管課が交付金を支払い、通知書を印刷する", run: grantFlow },
  { key: "7", name: "calendar", title: "地域団体がスマホで行事を登録し、住民が公開ページとカレンダー配信で見て、中止も伝わる", run: calendarFlow },
];

/// Runs one flow; never throws. Returns its record for the report.
export async function runFlow(flow, env) {
  const f = new Flow(flow, env);
  const started = Date.now();
  if (!flow.run) {
    f.skipped = "not written yet (placeholder)";
  } else {
    try {
      await flow.run(f);
    } catch (error) {
      if (!(error instanceof StepFailed)) f.fail(`the flow stopped: ${String(error.stack || error).split("\n")[0]}`);
    } finally {
      await f.close();
    }
  }
  f.seconds = (Date.now() - started) / 1000;
  return f.record();
}

class StepFailed extends Error {}

class Flow {
  constructor(flow, env) {
    this.flow = flow;
    this.env = env;
    this.steps = []; // { label, failures: [] }
    this.taps = 0;
    this.typed = 0;
    this.signIns = 0;
    this.shots = 0;
    this.contexts = [];
    this.skipped = null;
    this.current = null;
  }

  get failed() {
    return this.steps.some((s) => s.failures.length) || (this.loose || []).length > 0;
  }

  fail(message) {
    if (this.current) this.current.failures.push(message);
    else (this.loose ||= []).push(message);
  }

  /// A named step. The page events that happen during it are its failures;
  /// an exception stops the flow (the step failed with it).
  async step(label, fn) {
    const step = { label, failures: [] };
    this.steps.push(step);
    this.current = step;
    this.allowed = new Set();
    let threw = false;
    try {
      await fn();
    } catch (error) {
      threw = true;
      step.failures.push(String(error.message || error).split("\n")[0]);
    } finally {
      this.current = null;
    }
    console.log(`${step.failures.length ? "FAIL" : "ok  "} flow ${this.flow.key} ${this.flow.name}: ${label}`);
    for (const f of step.failures) console.log(`       - ${f}`);
    // The steps after one that could not be done have nothing to start from.
    if (threw) throw new StepFailed(label);
  }

  /// A check that does not stop the flow when it fails.
  expect(ok, message) {
    if (!ok) this.fail(message);
    return ok;
  }

  /// Answers of these statuses are expected in the current step (a refused import).
  allow(...statuses) {
    for (const s of statuses) this.allowed.add(s);
  }

  /// A browser context signed in as `login` (through the login form).
  /// `counted: false` for setting up what the flow starts from (not the user's taps).
  async as(login, device = DESK, { counted = true } = {}) {
    const { browser, base, origin } = this.env;
    const context = await browser.newContext({ ...device, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
    this.contexts.push(context);
    context.setDefaultTimeout(10000);
    context.setDefaultNavigationTimeout(30000);
    await context.addInitScript(() => {
      window.__kyodoPrints = 0;
      window.print = () => {
        window.__kyodoPrints += 1;
      };
    });
    const page = await context.newPage();
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      // The browser's own line for an answer the step expects (a refused import's 422).
      const status = Number(msg.text().match(/status of (\d{3})/)?.[1]);
      if (status && this.allowed?.has(status)) return;
      this.fail(`${login}: console error: ${msg.text()}`);
    });
    page.on("pageerror", (error) => this.fail(`${login}: page error: ${error.message}`));
    page.on("response", (response) => {
      const status = response.status();
      if (status >= 400 && response.url().startsWith(origin) && !this.allowed?.has(status)) {
        this.fail(`${login}: HTTP ${status} for ${response.request().method()} ${response.url().slice(origin.length)}`);
      }
    });
    page.on("dialog", (dialog) => dialog.accept());
    // Signing in is counted apart: the flow's taps are what it takes once signed in.
    const user = new User(this, login || "resident", page, device, false);
    if (!login) {
      // A resident: no account, the public site only.
      user.counted = counted;
      return user;
    }
    await page.goto(`${base}/login`, { waitUntil: "load" });
    await user.type("#login", login);
    await user.type("#password", this.env.password);
    await user.submit("form[action='/login'] button[type=submit]");
    if (new URL(page.url()).pathname === "/login") throw new Error(`${login} could not sign in`);
    user.counted = counted;
    if (counted) this.signIns += 1;
    return user;
  }

  async shot(page, what) {
    this.shots += 1;
    const name = `flow-${this.flow.key}-${String(this.shots).padStart(2, "0")}-${what}.png`;
    await page.screenshot({ path: `${this.env.out}/screenshots/${name}`, fullPage: true, timeout: 30000 });
    (this.current || this.steps.at(-1) || {}).shot = name;
    return name;
  }

  async close() {
    for (const c of this.contexts) await c.close().catch(() => {});
  }

  record() {
    const failures = [...(this.loose || [])];
    return {
      key: this.flow.key,
      name: this.flow.name,
      title: this.flow.title,
      skipped: this.skipped,
      ok: !this.skipped && !this.failed,
      steps: this.steps,
      failures,
      taps: this.taps,
      typed: this.typed,
      signIns: this.signIns,
      seconds: this.seconds,
    };
  }
}

/// One signed-in person: what they do, counted.
class User {
  constructor(flow, login, page, device, counted) {
    this.flow = flow;
    this.login = login;
    this.page = page;
    this.phone = device.hasTouch;
    this.counted = counted;
  }

  count(what) {
    if (this.counted) this.flow[what] += 1;
  }

  loc(target) {
    return typeof target === "string" ? this.page.locator(target) : target;
  }

  async tap(target) {
    const l = this.loc(target);
    this.count("taps");
    if (this.phone) await l.tap();
    else await l.click();
  }

  async type(target, value) {
    this.count("typed");
    await this.loc(target).fill(value);
  }

  async choose(target, option) {
    this.count("taps");
    await this.loc(target).selectOption(option);
  }

  async tick(target, on = true) {
    this.count("taps");
    if (on) await this.loc(target).check();
    else await this.loc(target).uncheck();
  }

  async attach(target, file) {
    this.count("taps");
    await this.loc(target).setInputFiles(FIXTURES + file);
  }

  /// Taps what submits a form or follows a link, and waits for the next page.
  async submit(target) {
    const navigated = this.page.waitForNavigation({ waitUntil: "load" });
    try {
      await this.tap(target);
    } catch (error) {
      // The step fails on the tap; the wait must not outlive it as an
      // unhandled rejection that kills the whole suite when the page closes.
      navigated.catch(() => {});
      throw error;
    }
    await navigated;
  }

  /// Goes to a page through the menu (a phone's menu button, then the
  /// group that holds the page's link).
  async menu(href) {
    const page = this.page;
    const button = page.locator("header summary.site-menu__button");
    if (await button.isVisible()) {
      if (!(await page.locator("details.site-menu").evaluate((d) => d.open))) await this.tap(button);
    }
    const link = page.locator(`header nav a[href='${href}']`);
    if (!(await link.count())) throw new Error(`${this.login}: no ${href} in the menu`);
    if (!(await link.isVisible())) {
      const group = page.locator(`header details.nav-group:has(a[href='${href}'])`);
      await this.tap(group.locator(":scope > summary"));
    }
    await this.submit(link);
  }

  /// Follows a link in the page's main part: its text, or a CSS selector.
  async follow(text) {
    const link = (/^[a-z]/.test(text) ? this.page.locator(`main ${text}`) : this.page.locator("main a", { hasText: text })).first();
    if (!(await link.count())) throw new Error(`${this.login}: no link 「${text}」 on ${this.path()}`);
    await this.submit(link);
  }

  /// What the page says is wrong (the error summary and the fields' errors), on one line.
  async errors() {
    const said = await this.page.locator("main .alert--error, main .field__error").allInnerTexts();
    return said.join(" ").replace(/\s+/g, " ").trim() || "no error shown";
  }

  path() {
    const u = new URL(this.page.url());
    return u.pathname + u.search;
  }

  async text(selector = "main") {
    return this.page.locator(selector).innerText();
  }

  /// The action form of an issue page (「次の対応」), opened if it is folded.
  async action(name) {
    const form = this.page.locator(`form[action$='/transitions']:has(input[name=action][value='${name}'])`);
    if (!(await form.count())) {
      const offered = await this.page
        .locator("form[action$='/transitions'] input[name=action]")
        .evaluateAll((inputs) => inputs.map((i) => i.value));
      throw new Error(`${this.login}: no 「${name}」 form on ${this.path()} (offered: ${offered.join(", ") || "none"})`);
    }
    const details = this.page.locator("details", { has: form });
    if (!(await details.evaluate((d) => d.open))) await this.tap(details.locator(":scope > summary"));
    return form;
  }

  /// Submits an action form and checks that it was recorded.
  async act(form, label) {
    await this.submit(form.locator("button[type=submit]"));
    if (!/notice=recorded/.test(this.page.url())) {
      throw new Error(`${this.login}: 「${label}」 was not recorded (${this.path()}): ${await this.errors()}`);
    }
  }
}

// ---------------------------------------------------------------------------
// Shared steps

/// The liaison's district team: the demo's liaison account, and accounts the
/// admin makes through /users/new for the team's other members (found on
/// the team page). Made once per run, whichever flow asks first.
let teamPromise = null;
function team(f) {
  teamPromise ||= makeTeam(f);
  return teamPromise;
}

/// The step that makes (or waits for) the team's accounts, and 土木課's
/// answer template (the demo has none).
async function teamStep(f) {
  let t;
  await f.step("set up: the admin makes accounts for the team's other members; 土木課 keeps an answer template", async () => {
    t = await team(f);
    await answerTemplate(f);
  });
  return t;
}

let templatePromise = null;
function answerTemplate(f) {
  templatePromise ||= (async () => {
    const dept = await f.as("arao-department", DESK, { counted: false });
    await dept.menu("/settings/answer-templates");
    await dept.type("#f-title", "修繕の手配");
    await dept.type("#f-body", ANSWER_TEMPLATE);
    await dept.submit("main form[action='/settings/answer-templates'] button[type=submit]");
    if (!/notice=created/.test(dept.page.url())) throw new Error(`the answer template was not kept: ${await dept.errors()}`);
    await dept.page.context().close();
  })();
  return templatePromise;
}

const ANSWER_TEMPLATE = "ご連絡ありがとうございます。現地を確認し、修繕を手配します。完了までしばらくお待ちください。";

async function makeTeam(f) {
  // Setting up: these taps are not the flow's.
  const admin = await f.as("arao-admin", DESK, { counted: false });
  const members = await teamMembers(f, admin);
  const byPosition = (name) => members.find((m) => m.positionName === name);
  const [manager, chief, staff] = ["課長級", "課長補佐・係長級", "一般職員"].map(byPosition);
  if (!manager || !chief || !staff) throw new Error(`the team is not 課長級+係長級+一般職員: ${JSON.stringify(members)}`);
  const result = { manager: "arao-liaison", area: members.area };
  for (const [key, m] of [
    ["staff", staff],
    ["chief", chief],
  ]) {
    const login = `flow-${key}`;
    await admin.menu("/users");
    await admin.follow("a[href='/users/new']");
    await admin.type("#f-login", login);
    await admin.type("#f-display_name", `${m.name}（${m.positionName}）`);
    await admin.choose("#f-role", { label: "地域担当職員" });
    await admin.type("#f-staff_id", m.number);
    await admin.type("#f-password", f.env.password);
    await admin.submit("main form button[type=submit]");
    if (!/notice=created/.test(admin.page.url())) {
      throw new Error(`the account ${login} (${m.name}, ${m.number}) was not made: ${await admin.errors()}`);
    }
    result[key] = login;
  }
  await f.shot(admin.page, "team-accounts");
  return result;
}

/// The demo liaison's team as the admin finds it: the district the liaison
/// serves (its home page says), its team on the appointments page, and each
/// member's 職員番号 on their staff page.
async function teamMembers(f, admin) {
  const liaison = await f.as("arao-liaison", DESK, { counted: false });
  const home = await liaison.text();
  const district = home.match(/担当している地区\s*\n\s*([^（\n]+)（/)?.[1]?.trim();
  if (!district) throw new Error(`the liaison's home page names no district: ${home.slice(0, 300)}`);
  await liaison.page.context().close();
  await admin.menu("/appointments");
  await admin.submit(admin.page.locator("main a[href$='/team']", { hasText: district }).first());
  const area = Number(new URL(admin.page.url()).pathname.match(/\/areas\/(\d+)\/team/)?.[1]);
  const table = admin.page.locator("main table").first();
  const members = await table.locator("tbody tr").evaluateAll((trs) =>
    trs
      .filter((tr) => tr.querySelector("a[href^='/appointments/']"))
      .map((tr) => ({ positionName: tr.cells[0].innerText.trim(), name: tr.cells[1].innerText.trim() })),
  );
  const teamUrl = admin.page.url();
  for (const m of members) {
    await admin.submit(admin.page.locator("main table").first().locator("a", { hasText: m.name }).first());
    await admin.submit(admin.page.locator("main dd a[href^='/staff/']").first());
    m.number = await admin.page.locator("main dt", { hasText: "職員番号" }).locator("xpath=following-sibling::dd[1]").innerText();
    m.number = m.number.trim();
    await admin.page.goto(teamUrl, { waitUntil: "load" });
  }
  members.area = area;
  return members;
}

/// A liaison of the team takes an issue in for the district (with the
/// community's organisation) and sorts it to 土木課.
async function intake(f, who, { title, body, organisation }) {
  await who.menu("/issues");
  await who.follow("a[href='/issues/new']");
  await who.choose("#f-kind", { index: 1 });
  await who.type("#f-title", title);
  await who.type("#f-body", body);
  await who.choose("#f-category", { index: 1 });
  await who.choose("#f-area_id", { index: 1 });
  if (organisation) await who.choose("#f-organisation_id", { label: organisation });
  await who.submit("main form button[type=submit]");
  const id = Number(new URL(who.page.url()).pathname.match(/^\/issues\/(\d+)$/)?.[1]);
  if (!id) throw new Error(`the issue was not taken in (${who.path()}): ${await who.errors()}`);
  return id;
}

async function sort(who) {
  const form = await who.action("sort");
  await who.choose(form.locator("[name=responsibility]"), { label: "市で対応" });
  // The departments are a picker: the 部 opens on its 課.
  const group = form.locator("details.picker__group", { hasText: "土木課" });
  if (!(await group.evaluate((d) => d.open))) await who.tap(group.locator(":scope > summary"));
  await who.tick(group.locator(".check", { hasText: "土木課" }).locator("input"));
  await who.act(form, "整理");
}

/// Opens an issue as a person would: the issues list, then its title.
async function openIssue(who, title) {
  await who.menu("/issues");
  const link = who.page.locator("main a", { hasText: title }).first();
  if (!(await link.count())) throw new Error(`${who.login}: 「${title}」 is not on the issues list`);
  await who.submit(link);
}

async function planStep(who, action, label, text, comment) {
  const form = await who.action(action);
  if (text) await who.type(form.locator("[name=text]"), text);
  if (comment) await who.type(form.locator("[name=comment]"), comment);
  await who.act(form, label);
}

/// The department answers with a template and an internal note.
async function answer(f, dept, note) {
  const form = await dept.action("answer");
  const template = form.locator("select[data-fill]");
  if (!(await template.count())) throw new Error("the answer form has no template select");
  const option = await template.evaluate((s) => [...s.options].find((o) => o.value)?.label);
  await dept.choose(template, { label: option });
  const filled = await form.locator("[name=answer_text]").inputValue();
  f.expect(filled.trim().length > 0, `the template 「${option}」 filled nothing`);
  await dept.choose(form.locator("[name=stance]"), { label: "対応する" });
  const due = new Date(Date.now() + 60 * 864e5).toISOString().slice(0, 10);
  await dept.type(form.locator("[name=expected_on]"), due);
  await dept.type(form.locator("[name=internal_note]"), note);
  await dept.act(form, "回答");
  return filled;
}

async function reportBack(who, text) {
  const form = await who.action("report_back");
  await who.choose(form.locator("[name=method]"), { index: 1 });
  await who.type(form.locator("[name=text]"), text);
  await who.act(form, "地域への報告");
}

/// The community account's organisation, as the issues it sees say (read, not counted).
async function communityOrganisation(f) {
  const community = await f.as("arao-community", DESK, { counted: false });
  await community.page.goto(`${f.env.base}/issues`, { waitUntil: "load" });
  const first = community.page.locator("main table a[href^='/issues/']").first();
  if (!(await first.count())) throw new Error("the community sees no issue to tell its organisation by");
  await community.submit(first);
  const name = await community.page.locator("main dt", { hasText: "団体" }).locator("xpath=following-sibling::dd[1]").innerText();
  await community.page.context().close();
  return name.trim();
}

// ---------------------------------------------------------------------------
// Flow 2: the team

async function teamFlow(f) {
  const t = await teamStep(f);
  const title = "公民館前の街灯が切れている（フロー2）";
  const note = "内部メモ: 業者の見積りは42万円（フロー2）";
  const reported = "12月の役員会で、土木課の回答を報告しました（フロー2）。";
  let id;
  let organisation;
  let answerText;
  const staff = await f.as(t.staff);
  await f.step(`${t.staff} (一般職員) takes the issue in and sorts it to 土木課`, async () => {
    organisation = await communityOrganisation(f);
    if (!organisation) throw new Error("could not tell the community account's organisation");
    id = await intake(f, staff, {
      title,
      body: "公民館前の交差点の街灯が先週から点いていない。夜は子どもの通学路で暗い。",
      organisation,
    });
    await sort(staff);
  });
  await f.step(`${t.staff} drafts the response plan (方針案の作成)`, async () => {
    await planStep(staff, "draft", "方針案の作成", "土木課に修繕を依頼し、地区で点灯を確かめる。");
    await f.shot(staff.page, "drafted");
  });
  await f.step(`${t.chief} (係長級) reviews it (確認)`, async () => {
    const chief = await f.as(t.chief);
    await openIssue(chief, title);
    await planStep(chief, "review", "確認", null, "見積りが出たら地区に知らせる。");
  });
  await f.step(`${t.manager} (課長級) decides it (決定)`, async () => {
    const manager = await f.as(t.manager);
    await openIssue(manager, title);
    await planStep(manager, "decide", "決定", null);
    const history = await manager.text("main");
    f.expect(!history.includes("前の段階と同じ職員"), "the timeline says a step was taken by the same hands");
    await f.shot(manager.page, "decided");
  });
  await f.step("arao-department answers with a template and an internal note", async () => {
    const dept = await f.as("arao-department");
    await openIssue(dept, title);
    answerText = await answer(f, dept, note);
    const shown = await dept.text();
    f.expect(shown.includes(note), "the department does not see its internal note after answering");
    await f.shot(dept.page, "answered");
  });
  await f.step(`${t.staff} reports back to the district (地域への報告)`, async () => {
    await openIssue(staff, title);
    await reportBack(staff, reported);
    f.expect((await staff.text()).includes(reported), "the report does not show on the issue page");
  });
  await f.step("arao-community sees the answer and the report, and never the internal note", async () => {
    const community = await f.as("arao-community");
    await openIssue(community, title);
    const main = await community.text();
    f.expect(main.includes(answerText.trim().split("\n")[0]), "the community does not see the department's answer");
    f.expect(main.includes(reported), "the community does not see the report (地域への報告)");
    const html = await community.page.content();
    f.expect(!html.includes("見積りは42万円"), "the internal note's text is in the community's page");
    f.expect(!html.includes("内部メモ"), "the community's page mentions 内部メモ");
    await f.shot(community.page, "community-sees-answer");
  });
  return id;
}

// ---------------------------------------------------------------------------
// Flow 3: the coordinator imports staff, and prints the roster

async function importFlow(f) {
  const c = await f.as("arao-coordinator");
  const form = () => c.page.locator("main form[action='/data/import/staff']");
  const importFile = async (file) => {
    await c.menu("/data");
    await c.attach(form().locator("input[type=file]"), file);
    await c.tick(form().locator("input[name=dry_run]"), false);
    await c.submit(form().locator("button[type=submit]"));
    // A long import shows its progress and refreshes itself.
    for (let i = 0; i < 60 && (await c.page.locator("progress, meta[http-equiv=refresh]").count()); i++) {
      await c.page.waitForNavigation({ waitUntil: "load", timeout: 5000 }).catch(() => {});
    }
  };
  await f.step("imports staff-bad.csv (CP932, 令和5年2月30日 on line 3): refused, the bad value shown", async () => {
    f.allow(400, 422);
    await importFile("staff-bad.csv");
    const main = await c.text();
    const alert = c.page.locator("main .alert--error");
    if (!(await alert.count())) throw new Error(`no error shown after importing the bad file: ${main.slice(0, 300)}`);
    const said = await alert.first().innerText();
    f.expect(said.includes("令和5年2月30日"), `the error does not show the bad value 令和5年2月30日: ${said.replace(/\s+/g, " ").slice(0, 300)}`);
    f.expect(/3\s*行/.test(said), `the error does not name line 3: ${said.replace(/\s+/g, " ").slice(0, 200)}`);
    f.expect(!main.includes("取り込みました"), "the bad file was imported");
    await f.shot(c.page, "import-refused");
  });
  await f.step("imports the fixed staff.csv: 3 staff added", async () => {
    await importFile("staff.csv");
    const main = await c.text();
    if (!main.includes("取り込みました")) throw new Error(`the fixed file was not imported: ${main.replace(/\s+/g, " ").slice(0, 300)}`);
    f.expect(/新規\s*3件/.test(main), `not 3 new staff: ${main.match(/新規[^\n]*/)?.[0]}`);
    await f.shot(c.page, "imported");
  });
  await f.step("finds 髙橋 一郎 and 髙﨑 誠 on the staff list and prints the roster", async () => {
    await c.menu("/staff");
    const search = c.page.locator("main form input[name=q]");
    if (await search.count()) {
      await c.type(search, "髙");
      await c.submit(c.page.locator("main form:has(input[name=q]) button[type=submit]"));
    }
    const main = await c.text();
    f.expect(main.includes("髙橋"), "髙橋 一郎 is not on the staff list");
    f.expect(main.includes("髙﨑"), "髙﨑 誠 is not on the staff list (﨑 lost?)");
    await f.shot(c.page, "staff-list");
    const print = c.page.locator("main button:has-text('印刷する'), main [data-print]").filter({ visible: true });
    if (!(await print.count())) {
      // The roster's page (/appointments) offers CSV and Excel; say where it was looked for.
      await c.menu("/appointments");
      const there = c.page.locator("main button:has-text('印刷する'), main [data-print]").filter({ visible: true });
      if (!(await there.count())) {
        throw new Error("no 「印刷する」 on the staff list (/staff) nor on the appointments roster (/appointments): the roster cannot be printed");
      }
      await printHere(f, c, "roster");
      return;
    }
    await printHere(f, c, "roster");
  });
}

/// Taps 「印刷する」: the print dialog is asked for, and on paper the menu is gone.
async function printHere(f, who, what) {
  const page = who.page;
  const button = page.locator("main button:has-text('印刷する'), main [data-print]").filter({ visible: true }).first();
  if (!(await button.count())) throw new Error(`no 「印刷する」 on ${who.path()}`);
  const before = await page.evaluate(() => window.__kyodoPrints);
  await who.tap(button);
  const asked = await page
    .waitForFunction((n) => window.__kyodoPrints > n, before, { timeout: 3000 })
    .then(() => true, () => false);
  f.expect(asked, `「印刷する」 on ${who.path()} did not ask for the print dialog`);
  await page.emulateMedia({ media: "print" });
  try {
    f.expect(!(await page.locator("header nav").isVisible()), `the menu is printed on ${who.path()}`);
    f.expect(!(await page.locator(".site-user").isVisible()), `the user's links are printed on ${who.path()}`);
    await f.shot(page, `${what}-print`);
  } finally {
    await page.emulateMedia({ media: null });
  }
}

// ---------------------------------------------------------------------------
// Flow 4: the coordinator prints

async function printFlow(f) {
  const c = await f.as("arao-coordinator");
  await f.step("prints the workload report (地区別の活動報告)", async () => {
    await c.menu("/workload");
    await c.follow("地区別の活動報告");
    if (!new URL(c.page.url()).pathname.startsWith("/workload/report")) throw new Error(`not on the report: ${c.path()}`);
    await printHere(f, c, "workload-report");
  });
  await f.step("prints a handover sheet (引継ぎ書)", async () => {
    await c.menu("/handovers");
    const link = c.page.locator("main a[href^='/handovers/']").first();
    if (!(await link.count())) throw new Error("the handovers list links to no handover");
    await c.submit(link);
    await printHere(f, c, "handover");
  });
}

// ---------------------------------------------------------------------------
// Flow 1: a liaison on a phone at 21:00, after the district's meeting

/// The issue asks for fewer than 25 taps for the whole of this flow.
const LIAISON_TAP_BUDGET = 25;

async function liaisonFlow(f) {
  const liaison = await f.as("arao-liaison", PHONE);
  const minutes = "防犯灯が切れている箇所が3か所ある。\n集会所の駐車場の白線が消えている。\n秋祭りの反省会を12月に開く。";
  const wanted = "防犯灯が切れている箇所が3か所ある。";
  let meeting;
  await f.step("records the meeting with its minutes (district, date and herself already filled in)", async () => {
    await liaison.follow("a[href='/meetings/new']");
    const ticked = await liaison.page.locator("#f-staff_ids input[type=checkbox]:checked").count();
    f.expect(ticked === 1, `the liaison is not the one staff member ticked (${ticked} ticked)`);
    f.expect((await liaison.page.inputValue("#f-held_on")) !== "", "the date is not filled in");
    await liaison.type("#f-title", "第3回役員会（フロー1）");
    await liaison.type("#f-minutes", minutes);
    await liaison.submit("main form button[type=submit]");
    meeting = Number(new URL(liaison.page.url()).pathname.match(/^\/meetings\/(\d+)$/)?.[1]);
    if (!meeting) throw new Error(`the meeting was not recorded (${liaison.path()}): ${await liaison.errors()}`);
    await f.shot(liaison.page, "meeting");
  });
  await f.step("selects one line of the minutes and raises an issue from it", async () => {
    // A long press selects the line: one tap.
    liaison.count("taps");
    const selected = await liaison.page.evaluate((line) => {
      const dd = [...document.querySelectorAll("main dd")].find((d) => d.textContent.includes(line));
      if (!dd) return false;
      const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.textContent.indexOf(line);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + line.length);
        document.getSelection().removeAllRanges();
        document.getSelection().addRange(range);
        return true;
      }
      return false;
    }, wanted);
    if (!selected) throw new Error("the minutes are not on the meeting's page");
    await liaison.tap(liaison.page.locator("main a", { hasText: "議事録から課題を起こす" }).first());
    const form = liaison.page.locator("main form[action$='/issues']");
    const body = await form.locator("textarea[name=body]").inputValue();
    f.expect(body === wanted, `the issue's text is not the selected line: 「${body.slice(0, 60)}」`);
    f.expect((await form.locator("input[name=title]").inputValue()) !== "", "the title is not filled in from the selection");
    await liaison.choose(form.locator("select[name=category]"), { label: "防犯" });
    await liaison.submit(form.locator("button[type=submit]"));
    if (!/^\/issues\/\d+$/.test(new URL(liaison.page.url()).pathname)) {
      throw new Error(`the issue was not raised (${liaison.path()}): ${await liaison.errors()}`);
    }
    await f.shot(liaison.page, "issue");
  });
  const logActivity = async (minutesText, { outOfHours = false } = {}) => {
    await liaison.submit("header a.site-title");
    await liaison.follow("a[href='/activities/new']");
    await liaison.type("#f-minutes", minutesText);
    if (outOfHours) await liaison.tick("#f-out_of_hours");
    await liaison.submit("main form button[type=submit]");
  };
  await f.step("logs two activities", async () => {
    for (const m of ["90", "1時間"]) {
      await logActivity(m);
      if (!/notice=logged/.test(liaison.page.url())) throw new Error(`the activity was not logged: ${await liaison.errors()}`);
      f.expect((await liaison.text()).includes("記録しました"), "no confirmation after logging an activity");
    }
  });
  await f.step("logs a 時間外 activity without its handling: told beside the field, then chooses it", async () => {
    f.allow(422);
    await logActivity("2時間", { outOfHours: true });
    const error = liaison.page.locator(".field--error:has(#f-compensation) .field__error");
    f.expect(await error.isVisible(), `no error beside 時間外の扱い: ${await liaison.errors()}`);
    f.expect((await liaison.page.inputValue("#f-minutes")) === "2時間", "the typed time was lost");
    await f.shot(liaison.page, "compensation-error");
    await liaison.choose("#f-compensation", { index: 1 });
    await liaison.submit("main form button[type=submit]");
    if (!/notice=logged/.test(liaison.page.url())) throw new Error(`the activity was not logged: ${await liaison.errors()}`);
    await f.shot(liaison.page, "activities");
  });
  f.expect(f.taps < LIAISON_TAP_BUDGET, `${f.taps} taps; the flow should take fewer than ${LIAISON_TAP_BUDGET}`);
}

// ---------------------------------------------------------------------------
// Flow 5: the community files an issue with a photo and follows it

async function communityFlow(f) {
  const title = "集会所裏の水路に土砂がたまっている（フロー5）";
  const community = await f.as("arao-community", PHONE);
  let id;
  await f.step("arao-community (phone) tells the city of an issue", async () => {
    await community.menu("/issues");
    await community.follow("a[href='/issues/new']");
    await community.choose("#f-kind", { index: 1 });
    await community.type("#f-title", title);
    await community.type("#f-body", "大雨のあと、集会所裏の水路に土砂がたまり、水があふれそうです。");
    await community.choose("#f-category", { index: 1 });
    await community.type("#f-location", "集会所の裏");
    await community.submit("main form button[type=submit]");
    id = Number(new URL(community.page.url()).pathname.match(/^\/issues\/(\d+)$/)?.[1]);
    if (!id) throw new Error(`the issue was not sent (${community.path()}): ${await community.errors()}`);
  });
  await f.step("attaches a photo (photo.png) on its issue page", async () => {
    const upload = community.page.locator("main form[action$='/files']");
    if (!(await upload.count())) throw new Error("the community's issue page has no attach form");
    await community.attach(upload.locator("input[type=file]"), "photo.png");
    await community.submit(upload.locator("button[type=submit]"));
    const photo = community.page.locator("main img.attachment-photo");
    if (!(await photo.count())) throw new Error(`no photo on the issue page after attaching (${community.path()})`);
    // The thumbnail loads lazily: the user scrolls to it.
    await photo.first().scrollIntoViewIfNeeded();
    const loaded = await photo
      .first()
      .evaluate(
        (img) =>
          new Promise((done) => {
            if (img.complete) return done(img.naturalWidth > 0);
            img.addEventListener("load", () => done(img.naturalWidth > 0));
            img.addEventListener("error", () => done(false));
            setTimeout(() => done(img.complete && img.naturalWidth > 0), 10000);
          }),
      );
    f.expect(loaded, "the photo's thumbnail does not load");
    await f.shot(community.page, "filed-with-photo");
  });
  const t = await teamStep(f);
  await f.step("the team sorts, drafts, reviews and decides; 土木課 answers; the liaison reports back", async () => {
    const staff = await f.as(t.staff);
    await openIssue(staff, title);
    f.expect(await staff.page.locator("main img.attachment-photo").count(), "the liaison does not see the photo");
    await sort(staff);
    await planStep(staff, "draft", "方針案の作成", "土木課に浚渫を依頼する。");
    const chief = await f.as(t.chief);
    await openIssue(chief, title);
    await planStep(chief, "review", "確認", null);
    const manager = await f.as(t.manager);
    await openIssue(manager, title);
    await planStep(manager, "decide", "決定", null);
    const dept = await f.as("arao-department");
    await openIssue(dept, title);
    await answer(f, dept, "内部メモ: 重機の手配が要る（フロー5）");
    await openIssue(staff, title);
    await reportBack(staff, "地区協議会の事務局に電話で回答を伝えました（フロー5）。");
  });
  await f.step("arao-community (phone) follows its issue and sees the answer", async () => {
    await openIssue(community, title);
    const main = await community.text();
    f.expect(!main.includes("まだ回答はありません"), "the community sees no answer");
    f.expect(main.includes("土木課"), "the answer does not name 土木課");
    f.expect(!(await community.page.content()).includes("重機の手配"), "the internal note's text is in the community's page");
    await f.shot(community.page, "community-sees-answer");
  });
}

// ---------------------------------------------------------------------------
// 6: the block grant through the year

/// The inline form posting to a path ending in `end`, unfolded from its section's <details>.
async function unfold(user, end) {
  const details = user.page.locator(`main details:has(form[action$='${end}'])`).first();
  if (!(await details.count())) throw new Error(`${user.login}: no form posting to …${end} on ${user.path()}`);
  if (!(await details.evaluate((d) => d.open))) await user.tap(details.locator(":scope > summary"));
  return details.locator(`form[action$='${end}']`);
}

async function grantFlow(f) {
  const community = await f.as("arao-community", PHONE);
  let grantPath;
  await f.step("arao-community (phone) finds its grant on its organisation's page", async () => {
    await community.menu("/organisations");
    await community.follow("a[href^='/organisations/']");
    const link = community.page.locator("main a[href^='/grants/']").first();
    if (!(await link.count())) throw new Error(`no grant on the organisation's page (${community.path()})`);
    await community.submit(link);
    grantPath = community.path();
    const main = await community.text();
    f.expect(main.includes("交付決定額") && main.includes("次の提出"), "the grant's page lacks its ledger");
  });
  await f.step("records an expense with its receipt (photo.png), 全角 amount", async () => {
    const form = await unfold(community, "/expenses");
    await community.type(form.locator("input[name=spent_on]"), "R8.6.10");
    await community.choose(form.locator("select[name=item]"), "supplies");
    await community.type(form.locator("input[name=amount]"), "３，５００");
    await community.type(form.locator("input[name=payee]"), "文具店（フロー6）");
    await community.attach(form.locator("input[type=file]"), "photo.png");
    await community.submit(form.locator("button[type=submit]"));
    const main = await community.text();
    if (!main.includes("文具店（フロー6）")) throw new Error(`the expense is not listed (${community.path()}): ${await community.errors()}`);
    f.expect(main.includes("3,500円"), "the amount is not shown as 3,500円");
    await f.shot(community.page, "expense-recorded");
  });
  const coordinator = await f.as("arao-coordinator", DESK);
  await f.step("the coordinator opens the year's overview and the grant, and pays the second installment", async () => {
    await coordinator.menu("/grants");
    await coordinator.follow("a[href='/grants/overview']");
    await coordinator.submit(coordinator.page.locator(`main a[href='${grantPath}']`));
    const form = await unfold(coordinator, "/transitions");
    await coordinator.choose(form.locator("select[name=action]"), "pay");
    const left = (await coordinator.text("main dl")).match(/支払の残り\s*([\d,]+)円/)?.[1]?.replace(/,/g, "");
    if (!left) throw new Error("the ledger shows no 支払の残り");
    await coordinator.type(form.locator("input[name=amount]"), left);
    await coordinator.type(form.locator("input[name=number]"), "支2026-901");
    await coordinator.submit(form.locator("button[type=submit]"));
    const main = await coordinator.text();
    if (!main.includes("支2026-901")) throw new Error(`the payment is not recorded (${coordinator.path()}): ${await coordinator.errors()}`);
    f.expect(/支払の残り\s*0円/.test(main), "the ledger does not show the grant paid in full");
  });
  await f.step("prints the 交付決定通知書", async () => {
    await coordinator.submit(coordinator.page.locator("main tr:has-text('交付決定') a[href$='/form']").first());
    const sheet = await coordinator.text();
    f.expect(sheet.includes("交付決定通知書") && /令和\d+年/.test(sheet), "the notice lacks its title or its 和暦 date");
    await f.shot(coordinator.page, "decision-notice");
  });
}

// ---------------------------------------------------------------------------
// 7: the community calendar, from a body's phone to a resident's

/// A day `days` from now in Tokyo, as YYYY-MM-DD.
function tokyoDay(days) {
  const at = new Date(Date.now() + days * 86400000);
  return at.toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" });
}

async function calendarFlow(f) {
  const title = "川沿いの花壇植え（フロー7）";
  const day = tokyoDay(8);
  const month = day.slice(0, 7);
  const community = await f.as("arao-community", PHONE);
  let id;
  await f.step("arao-community (phone) enters an event of its body", async () => {
    await community.menu("/events");
    await community.follow("a[href='/events/new']");
    await community.choose("#f-kind", { value: "cleanup" });
    await community.type("#f-title", title);
    await community.type("#f-starts_on", day);
    await community.type("#f-start_time", "９：００");
    await community.type("#f-end_time", "11:00");
    await community.type("#f-place", "荒尾川の土手");
    await community.type("#f-contact", "荒尾地区協議会 事務局（地区公民館内）");
    await community.submit("main form button[type=submit]");
    id = Number(community.path().match(/^\/events\/(\d+)/)?.[1]);
    if (!id) throw new Error(`the event was not saved (${community.path()}): ${await community.errors()}`);
    f.expect((await community.text()).includes("公開ページに載っています"), "the event's page does not say it is public");
    await f.shot(community.page, "entered");
  });
  const resident = await f.as(null, PHONE);
  await f.step("a resident (phone, no account) finds it on the public calendar", async () => {
    await resident.page.goto(`${f.env.base}/p/432041/calendar?month=${month}`, { waitUntil: "load" });
    const text = await resident.text();
    f.expect(text.includes(title), "the event is not on this month's public calendar");
    f.expect(text.includes("09:00〜11:00"), "the time typed in 全角 is not shown as 09:00");
    await resident.follow(title);
    const page = await resident.text();
    f.expect(page.includes("荒尾川の土手") && page.includes("参加自由"), "the event page lacks its place or who may come");
    await f.shot(resident.page, "resident-sees-event");
  });
  await f.step("arao-community calls it off; the resident sees 【中止】 and the feed says CANCELLED", async () => {
    await community.page.goto(`${f.env.base}/events/${id}/edit`, { waitUntil: "load" });
    await community.choose("#f-status", { value: "cancelled" });
    await community.submit("main form button[type=submit]");
    await resident.page.goto(`${f.env.base}/p/432041/calendar?month=${month}`, { waitUntil: "load" });
    f.expect((await resident.text()).includes(`【中止】${title}`), "the calendar does not show the event as called off");
    const feed = await resident.page.request.get(`${f.env.base}/p/432041/calendar.ics`);
    const ics = await feed.text();
    const entry = ics.split("BEGIN:VEVENT").find((e) => e.includes(`UID:event-${id}@`));
    f.expect(entry && entry.includes("STATUS:CANCELLED") && entry.includes("SEQUENCE:1"), "the feed does not carry the cancellation");
    await f.shot(resident.page, "called-off");
  });
}
