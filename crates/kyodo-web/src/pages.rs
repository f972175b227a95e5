//! The building blocks every page is made of: the layout, forms that keep
//! what the user typed, lists with filters and paging, detail views. Record
//! pages fill these in rather than each having templates of their own.

use std::collections::HashMap;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use kyodo_core::listing::{ListQuery, Page};
use kyodo_core::permissions::Action;
use kyodo_core::validation::FieldErrors;

use crate::auth::Caller;

/// Renders a template; a template that fails to render is a bug, shown as 500.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "表示に失敗しました").into_response()
        }
    }
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A heading of the menu and the pages under it (those the caller may open).
pub struct NavGroup {
    pub label: &'static str,
    pub items: Vec<NavItem>,
}

impl NavGroup {
    /// A group of one page is shown as that page's link: a submenu of one
    /// would only cost a tap.
    pub fn single(&self) -> Option<&NavItem> {
        match self.items.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }

    pub fn current(&self) -> bool {
        self.items.iter().any(|i| i.current)
    }
}

/// What the frame around every page needs.
pub struct Layout {
    pub title: String,
    pub municipality: String,
    /// 全国地方公共団体コード, for links to the public site.
    pub municipality_code: String,
    pub user_name: Option<String>,
    pub role_label: &'static str,
    pub csrf: String,
    pub nav: Vec<NavGroup>,
    /// A one-line confirmation after a change (保存しました…).
    pub notice: Option<String>,
}

/// The menu, grouped so that it fits a desk's 1280 px (the coordinator
/// reaches sixteen pages) and folds into one button on a phone.
type NavEntry = (&'static str, &'static str, Action);
const NAV: &[(&str, &[NavEntry])] = &[
    (
        "課題・活動",
        &[
            ("/issues", "課題・要望", Action::IssueRead),
            ("/meetings", "会議", Action::MeetingRead),
            ("/events", "行事予定", Action::EventRead),
            ("/activities", "活動記録", Action::ActivityRead),
            ("/case-studies", "事例集", Action::CaseStudyRead),
        ],
    ),
    (
        "チーム",
        &[
            ("/appointments", "任命", Action::AppointmentRead),
            ("/staff", "職員", Action::StaffRead),
            ("/workload", "負担", Action::WorkloadRead),
            ("/handovers", "引継ぎ", Action::HandoverRead),
            ("/rotation", "配置計画", Action::AppointmentWrite),
        ],
    ),
    (
        "地区・団体",
        &[
            ("/areas", "地区", Action::AreaRead),
            ("/organisations", "団体", Action::OrganisationRead),
            ("/plans", "計画", Action::PlanRead),
            ("/grants", "交付金", Action::GrantSchemeRead),
            ("/departments", "部署", Action::DepartmentRead),
        ],
    ),
    (
        "設定",
        &[
            ("/settings/scheme", "制度設定", Action::SchemeRead),
            (
                "/settings/answer-templates",
                "回答の定型文",
                Action::AnswerTemplateWrite,
            ),
            ("/users", "利用者", Action::UserManage),
            ("/data", "取込・書出し", Action::DataImport),
            ("/audit", "監査ログ", Action::AuditRead),
        ],
    ),
];

fn nav_for(caller: &Caller, current: &str) -> Vec<NavGroup> {
    NAV.iter()
        .map(|(label, entries)| NavGroup {
            label,
            items: entries
                .iter()
                .filter(|(_, _, action)| caller.can(*action))
                .map(|(href, label, _)| NavItem {
                    href,
                    label,
                    current: current.starts_with(href),
                })
                .collect(),
        })
        .filter(|g| !g.items.is_empty())
        .collect()
}

impl Layout {
    pub fn new(caller: &Caller, title: impl Into<String>, current: &str) -> Self {
        Layout {
            title: title.into(),
            municipality: caller.municipality.name.clone(),
            municipality_code: caller.municipality.code.clone(),
            user_name: Some(caller.user.display_name.clone()),
            role_label: caller.role().label(),
            csrf: caller.csrf.clone().unwrap_or_default(),
            nav: nav_for(caller, current),
            notice: None,
        }
    }

    pub fn anonymous(title: impl Into<String>) -> Self {
        Layout {
            title: title.into(),
            municipality: String::new(),
            municipality_code: String::new(),
            user_name: None,
            role_label: "",
            csrf: String::new(),
            nav: Vec::new(),
            notice: None,
        }
    }

    pub fn with_notice(mut self, notice: Option<&str>) -> Self {
        self.notice = notice.and_then(notice_text).map(str::to_owned);
        self
    }
}

/// A page's `?notice=KEY` after a redirect (see [`notice_text`]).
#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

/// Confirmation messages named in a `?notice=` after a redirect.
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "created" => "登録しました",
        "saved" => "保存しました",
        "archived" => "アーカイブしました",
        "restored" => "復元しました",
        "deleted" => "削除しました",
        "password" => "パスワードを変更しました",
        "imported" => "取り込みました",
        "revoked" => "APIトークンを失効させました",
        "acknowledged" => "確認したことを記録しました",
        "recorded" => "記録しました",
        "attached" => "添付しました",
        "appointed" => "任命しました",
        "logged" => "活動を記録しました",
        "signed" => "引継ぎの完了を記録しました",
        "planned" => "配置案を作成しました",
        "approved" => "承認し、任命を登録しました",
        "mail_sent" => "試験メールを送りました。届いたか確かめてください",
        _ => return None,
    })
}

/// What a form holds: the user's text, and what was wrong with it.
#[derive(Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: FieldErrors,
}

impl FormState {
    pub fn new(values: HashMap<String, String>) -> Self {
        FormState {
            values,
            errors: FieldErrors::default(),
        }
    }

    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    pub fn err(&self, name: &str) -> Option<&str> {
        self.errors.get(name)
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

pub enum FieldKind {
    Text,
    Textarea,
    /// Free text accepting 西暦 or 和暦.
    Date,
    Email,
    Tel,
    Password,
    Select(Vec<(String, String)>),
    /// Several choices at once, as check boxes in groups (部 › 課; the
    /// district's team, then everyone else): a multiple select is unusable
    /// by touch. The form value is the chosen values joined by commas.
    Picker(Vec<ChoiceGroup>),
    /// A yes/no box; checked sends `true`.
    Checkbox,
    /// A file (a photo, PDF or Office file); its form is sent as multipart.
    File,
    /// Carried with the form, not shown (the version read, the record meant).
    Hidden,
}

/// A group of a picker's choices, under its own heading.
pub struct ChoiceGroup {
    pub label: String,
    pub choices: Vec<Choice>,
    /// Shown folded (a long list of the rarely chosen), unless it holds a chosen one.
    pub folded: bool,
    /// `team` or `rest`, where kyodo.js moves choices when the district changes.
    pub role: &'static str,
}

/// One choice of a picker.
pub struct Choice {
    pub value: String,
    pub label: String,
    /// What tells two of the same name apart (所属).
    pub detail: String,
    /// What the picker's search box matches (name and reading).
    pub search: String,
    /// The districts whose team the choice belongs to, comma-separated.
    pub teams: String,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        let label = label.into();
        Choice {
            value: value.into(),
            search: label.clone(),
            label,
            detail: String::new(),
            teams: String::new(),
        }
    }
}

pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    pub hint: &'static str,
    /// `data-*` attributes of the control, for kyodo.js (a list that follows another field).
    pub data: Vec<(&'static str, String)>,
}

impl FieldSpec {
    pub fn text(name: &'static str, label: &'static str) -> Self {
        FieldSpec {
            name,
            label,
            kind: FieldKind::Text,
            required: false,
            hint: "",
            data: Vec::new(),
        }
    }

    /// Adds `data-{key}` to the control.
    pub fn data(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.data.push((key, value.into()));
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    pub fn kind(mut self, kind: FieldKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn date(name: &'static str, label: &'static str) -> Self {
        Self::text(name, label)
            .kind(FieldKind::Date)
            .hint("例: 2026-04-01、令和8年4月1日、R8.4.1")
    }

    pub fn select(name: &'static str, label: &'static str, options: Vec<(String, String)>) -> Self {
        Self::text(name, label).kind(FieldKind::Select(options))
    }

    pub fn input_type(&self) -> &'static str {
        match self.kind {
            FieldKind::Email => "email",
            FieldKind::Tel => "tel",
            FieldKind::Password => "password",
            _ => "text",
        }
    }

    pub fn is_hidden(&self) -> bool {
        matches!(self.kind, FieldKind::Hidden)
    }

    pub fn is_select(&self) -> bool {
        matches!(self.kind, FieldKind::Select(_))
    }

    pub fn is_picker(&self) -> bool {
        matches!(self.kind, FieldKind::Picker(_))
    }

    pub fn groups(&self) -> &[ChoiceGroup] {
        match &self.kind {
            FieldKind::Picker(g) => g,
            _ => &[],
        }
    }

    /// Whether a folded group opens: it holds a chosen value.
    pub fn group_open(&self, form: &FormState, group: &ChoiceGroup) -> bool {
        !group.folded || group.choices.iter().any(|c| self.chosen(form, &c.value))
    }

    pub fn is_date(&self) -> bool {
        matches!(self.kind, FieldKind::Date)
    }

    /// The date typed in `form`, as staff read it beside the field:
    /// 「令和8年12月2日（2026年）」; empty while it is not a date.
    pub fn wareki(&self, form: &FormState) -> String {
        if !matches!(self.kind, FieldKind::Date) {
            return String::new();
        }
        kyodo_core::wareki::parse_date(form.v(self.name))
            .map(|d| {
                use chrono::Datelike;
                format!("{}（{}年）", kyodo_core::wareki::format_date_wareki(d), d.year())
            })
            .unwrap_or_default()
    }

    pub fn is_checkbox(&self) -> bool {
        matches!(self.kind, FieldKind::Checkbox)
    }

    pub fn is_file(&self) -> bool {
        matches!(self.kind, FieldKind::File)
    }

    /// Whether `value` is chosen in `form` (a multiple select holds several).
    pub fn chosen(&self, form: &FormState, value: &str) -> bool {
        let current = form.v(self.name);
        match self.kind {
            FieldKind::Picker(_) => current.split(',').any(|v| v == value),
            _ => current == value,
        }
    }

    pub fn is_textarea(&self) -> bool {
        matches!(self.kind, FieldKind::Textarea)
    }

    pub fn options(&self) -> &[(String, String)] {
        match &self.kind {
            FieldKind::Select(o) => o,
            _ => &[],
        }
    }

    pub fn autocomplete(&self) -> &'static str {
        match self.kind {
            FieldKind::Password => "current-password",
            _ => "off",
        }
    }
}

/// Options for a select, with an empty first choice.
pub fn options<T>(items: &[T], value: impl Fn(&T) -> String, label: impl Fn(&T) -> String) -> Vec<(String, String)> {
    std::iter::once((String::new(), "（選択なし）".to_owned()))
        .chain(items.iter().map(|i| (value(i), label(i))))
        .collect()
}

pub fn string_options(items: &[String]) -> Vec<(String, String)> {
    options(items, Clone::clone, Clone::clone)
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub layout: Layout,
    pub heading: String,
    pub intro: String,
    pub action: String,
    pub fields: Vec<FieldSpec>,
    pub form: FormState,
    pub submit_label: &'static str,
    pub cancel_href: String,
    /// The version the editor saw, sent back to catch concurrent edits.
    pub version: Option<i64>,
    pub multipart: bool,
}

impl FormPage {
    /// The form of a record kept at `base`: a new one (`editing` None,
    /// posted to `base`) or an existing one (id and the version the editor
    /// saw, posted to `base/{id}`); cancelling goes back to the record.
    pub fn record(
        caller: &Caller,
        base: &str,
        editing: Option<(i64, i64)>,
        (new_heading, edit_heading): (&str, &str),
        fields: Vec<FieldSpec>,
        form: FormState,
    ) -> Self {
        let (heading, action, version) = match editing {
            Some((id, version)) => (edit_heading, format!("{base}/{id}"), Some(version)),
            None => (new_heading, base.to_owned(), None),
        };
        FormPage {
            layout: Layout::new(caller, heading, base),
            heading: heading.to_owned(),
            intro: String::new(),
            action,
            fields,
            form,
            submit_label: "保存する",
            cancel_href: editing.map_or(base.to_owned(), |(id, _)| format!("{base}/{id}")),
            version,
            multipart: false,
        }
    }
}

// --- Lists ---

pub struct Column {
    pub label: &'static str,
    pub sort: Option<&'static str>,
    /// Shown on a phone, where each row is a card of the few fields that matter.
    pub phone: bool,
}

impl Column {
    pub fn new(label: &'static str, sort: Option<&'static str>) -> Self {
        Column {
            label,
            sort,
            phone: true,
        }
    }

    /// Left off a phone's card: a detail the desk's table has room for.
    pub fn desk_only(mut self) -> Self {
        self.phone = false;
        self
    }
}

pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub tag: Option<&'static str>,
    /// A picture's address; `text` is then its alternative text.
    pub image: Option<String>,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            href: None,
            tag: None,
            image: None,
        }
    }

    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            href: Some(href.into()),
            tag: None,
            image: None,
        }
    }

    /// A picture, described by `alt` for those who cannot see it.
    pub fn image(alt: impl Into<String>, src: impl Into<String>) -> Self {
        Cell {
            text: alt.into(),
            href: None,
            tag: None,
            image: Some(src.into()),
        }
    }

    /// The tag's style: a warning for what is late, quiet otherwise.
    pub fn tag_class(&self) -> &'static str {
        match self.tag {
            Some("期限超過" | "要確認") => "tag--late",
            _ => "tag--archived",
        }
    }

    pub fn tagged(mut self, tag: Option<&'static str>) -> Self {
        self.tag = tag;
        self
    }
}

/// A list's filter: a choice, or words (a search box) when it has no options.
pub struct Filter {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<(String, String)>,
    pub value: String,
}

impl Filter {
    /// A value the form sends back unchanged, not a choice (an empty label
    /// makes it a hidden field): which list the filters apply to.
    pub fn kept(name: &'static str, value: &str) -> Self {
        Filter {
            name,
            label: "",
            options: Vec::new(),
            value: value.to_owned(),
        }
    }
}

/// The 年度 chooser of the meeting, activity and workload pages: the last ten.
pub fn fiscal_year_filter(caller: &Caller, fy: i32) -> Filter {
    let now = kyodo_core::wareki::fiscal_year(caller.today);
    Filter {
        name: "fiscal_year",
        label: "年度",
        options: (now - 9..=now)
            .rev()
            .map(|y| (y.to_string(), kyodo_core::wareki::format_fiscal_year(y)))
            .collect(),
        value: fy.to_string(),
    }
}

/// A yes/no filter (期限超過のみ…), carried in the query as `name=true`.
pub struct Check {
    pub name: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub struct PageLink {
    pub number: u32,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub heading: String,
    pub base_path: String,
    pub new_href: Option<String>,
    pub export_href: Option<String>,
    /// A link to the same records as a tree (areas, departments).
    pub tree_href: Option<String>,
    /// Further links beside the buttons: (label, href), e.g. Excel and the dashboard.
    pub links: Vec<(&'static str, String)>,
    pub new_label: &'static str,
    pub q: String,
    /// The placeholder of the keyword box: what the words are looked for in.
    pub search_hint: &'static str,
    pub archived: bool,
    /// Whether the records have an archive to show (issues are closed instead).
    pub show_archived: bool,
    pub filters: Vec<Filter>,
    pub checks: Vec<Check>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub total: u64,
    /// The total is a lower bound (「…件以上」).
    pub more: bool,
    pub pages: Vec<PageLink>,
    /// The following rows by key (keyset paging), when the page was full.
    pub next_href: Option<String>,
    /// This page continues after a record (reached by `next_href`): no page number is current.
    pub after: Option<i64>,
    pub sort: String,
}

impl ListPage {
    /// The count as read: 1,000.
    pub fn total_text(&self) -> String {
        kyodo_core::text::grouped(i64::try_from(self.total).unwrap_or(i64::MAX))
    }

    /// The header link that sorts by `key`, toggling direction if already sorted so.
    pub fn sort_href(&self, key: &str) -> String {
        let next = if self.sort == key {
            format!("-{key}")
        } else {
            key.to_owned()
        };
        format!("{}?{}", self.base_path, self.query_string(Some(&next), None))
    }

    pub fn aria_sort(&self, key: &str) -> &'static str {
        if self.sort == key {
            "ascending"
        } else if self.sort.strip_prefix('-') == Some(key) {
            "descending"
        } else {
            "none"
        }
    }

    fn query_string(&self, sort: Option<&str>, page: Option<u32>) -> String {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q".into(), self.q.clone()));
        }
        for f in &self.filters {
            if !f.value.is_empty() {
                pairs.push((f.name.into(), f.value.clone()));
            }
        }
        if self.archived {
            pairs.push(("archived".into(), "true".into()));
        }
        for c in self.checks.iter().filter(|c| c.checked) {
            pairs.push((c.name.into(), "true".into()));
        }
        let sort = sort.unwrap_or(&self.sort);
        if !sort.is_empty() {
            pairs.push(("sort".into(), sort.to_owned()));
        }
        if let Some(p) = page {
            pairs.push(("page".into(), p.to_string()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// Fills in paging links (first, last and a window around the current page).
pub fn page_links<T>(list: &mut ListPage, page: &Page<T>) {
    let last = page.pages();
    let lo = page.page.saturating_sub(3).max(1);
    let hi = (page.page + 3).min(last);
    let mut numbers: Vec<u32> = vec![1];
    numbers.extend(lo..=hi);
    numbers.push(last);
    numbers.sort_unstable();
    numbers.dedup();
    list.total = page.total;
    list.more = page.more;
    let by_key = list.after.is_some();
    list.pages = numbers
        .into_iter()
        .map(|n| PageLink {
            number: n,
            href: format!("{}?{}", list.base_path, list.query_string(None, Some(n))),
            current: n == page.page && !by_key,
        })
        .collect();
    list.next_href = page
        .next_after
        .map(|a| format!("{}?{}&after={a}", list.base_path, list.query_string(None, None)));
}

/// The common parts of a list page from the caller's query.
pub fn list_page(layout: Layout, heading: &str, base_path: &str, query: &ListQuery) -> ListPage {
    ListPage {
        layout,
        heading: heading.to_owned(),
        base_path: base_path.to_owned(),
        new_href: None,
        export_href: None,
        links: Vec::new(),
        tree_href: None,
        new_label: "新規登録",
        q: query.q.clone().unwrap_or_default(),
        search_hint: "名称・ふりがな・コード",
        archived: query.archived.unwrap_or(false),
        show_archived: true,
        filters: Vec::new(),
        checks: Vec::new(),
        columns: Vec::new(),
        rows: Vec::new(),
        total: 0,
        more: false,
        pages: Vec::new(),
        next_href: None,
        after: query.after,
        sort: query.sort.clone().unwrap_or_default(),
    }
}

/// A table of a [`RecordsPage`].
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub empty: &'static str,
    /// The columns a phone shows, each row as a card; empty: the table
    /// stays a table (figures side by side, as in workload grids).
    pub phone: &'static [usize],
}

impl Table {
    pub fn cards(&self) -> bool {
        !self.phone.is_empty()
    }

    /// (By reference: the template hands over its loop index so.)
    pub fn on_phone(&self, column: &usize) -> bool {
        self.phone.is_empty() || self.phone.contains(column)
    }
}

/// A page of plain tables under a few filters: meetings, activities,
/// workload, handovers. `printable` adds a print button (A4 reports).
#[derive(Template)]
#[template(path = "records.html")]
pub struct RecordsPage {
    pub layout: Layout,
    pub heading: String,
    pub intro: String,
    pub base_path: String,
    /// (label, href, primary).
    pub links: Vec<(String, String, bool)>,
    pub filters: Vec<Filter>,
    pub tables: Vec<Table>,
    pub printable: bool,
}

// --- Detail pages ---

pub struct Item {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
}

impl Item {
    pub fn new(label: &'static str, value: impl Into<String>) -> Self {
        Item {
            label,
            value: value.into(),
            href: None,
        }
    }

    pub fn link(label: &'static str, value: impl Into<String>, href: Option<String>) -> Self {
        Item {
            label,
            value: value.into(),
            href,
        }
    }
}

/// A POST button (archive, restore, delete) with its CSRF token.
pub struct ActionButton {
    pub action: String,
    pub label: &'static str,
    pub danger: bool,
}

/// A failed submission carried back to a page of several forms, beside the
/// part (`P`) it belongs to.
pub struct Carried<P> {
    pub part: P,
    pub form: FormState,
}

impl<P: PartialEq> Carried<P> {
    /// The form of `part`: the carried one if it is that part's, else empty.
    pub fn take(carried: &mut Option<Self>, part: P) -> FormState {
        match carried.take() {
            Some(c) if c.part == part => c.form,
            other => {
                *carried = other;
                FormState::default()
            }
        }
    }
}

/// A part of a detail page below the main facts: a table and maybe a form.
pub struct Section {
    pub title: String,
    pub personal: bool,
    pub columns: Vec<&'static str>,
    pub rows: Vec<(Vec<Cell>, Option<ActionButton>)>,
    pub empty: &'static str,
    pub form: Option<InlineForm>,
}

impl Section {
    pub fn has_buttons(&self) -> bool {
        self.rows.iter().any(|(_, b)| b.is_some())
    }
}

pub struct InlineForm {
    pub action: String,
    pub fields: Vec<FieldSpec>,
    pub form: FormState,
    pub submit_label: &'static str,
}

impl InlineForm {
    /// Whether it sends a file, and so is sent as `multipart/form-data`.
    pub fn multipart(&self) -> bool {
        self.fields.iter().any(FieldSpec::is_file)
    }
}

#[derive(Template)]
#[template(path = "detail.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub heading: String,
    pub back_href: String,
    pub back_label: &'static str,
    pub archived: bool,
    pub items: Vec<Item>,
    pub edit_href: Option<String>,
    pub edit_label: &'static str,
    pub buttons: Vec<ActionButton>,
    pub sections: Vec<Section>,
}

impl DetailPage {
    /// The page, as 422 when a form on it comes back with its messages.
    pub fn response(&self) -> Response {
        let status = if self
            .sections
            .iter()
            .any(|s| s.form.as_ref().is_some_and(|f| f.form.has_errors()))
        {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        } else {
            axum::http::StatusCode::OK
        };
        (status, render(self)).into_response()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: &'static str,
    pub message: String,
    pub lines: Vec<String>,
}

/// 和暦 for people, e.g. 令和8年4月1日.
pub fn date_ja(d: &chrono::NaiveDate) -> String {
    kyodo_core::wareki::format_date_wareki(*d)
}

/// A moment in Japan's time (JST has no daylight saving), e.g. 令和8年11月21日 14:05.
pub fn datetime_ja(t: &chrono::DateTime<chrono::Utc>) -> String {
    let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
    let local = t.with_timezone(&jst);
    format!("{} {}", date_ja(&local.date_naive()), local.format("%H:%M"))
}

pub fn opt_date_ja(d: &Option<chrono::NaiveDate>) -> String {
    d.as_ref().map(date_ja).unwrap_or_default()
}

pub fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

/// A form's text fields from a submitted body (the CSRF token set aside).
pub fn form_getter(body: &HashMap<String, String>) -> impl Fn(&str) -> Option<String> + '_ {
    move |k: &str| body.get(k).cloned()
}

/// What became of a submitted form: saved (go to the record) or not (show
/// the form again with what was typed, and why).
pub enum Outcome {
    Saved(String),
    Again(FormState, axum::http::StatusCode),
}

/// Sorts a save's result into [`Outcome`]: field errors and a concurrent
/// edit go back to the form with the user's input; anything else is an error page.
pub fn outcome(
    result: Result<String, crate::error::AppError>,
    values: HashMap<String, String>,
) -> Result<Outcome, crate::error::PageError> {
    use crate::error::AppError;
    let mut form = FormState::new(values);
    match result {
        Ok(href) => Ok(Outcome::Saved(href)),
        Err(AppError::Invalid(errors)) => {
            form.errors = errors;
            Ok(Outcome::Again(form, axum::http::StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(AppError::Conflict) => {
            form.errors = FieldErrors::single("version", AppError::Conflict.message());
            Ok(Outcome::Again(form, axum::http::StatusCode::CONFLICT))
        }
        Err(e) => Err(e.into()),
    }
}

/// The archive or restore button for a record's detail page.
pub fn archive_button(base: &str, id: i64, archived: bool) -> ActionButton {
    if archived {
        ActionButton {
            action: format!("{base}/{id}/restore"),
            label: "復元する",
            danger: false,
        }
    } else {
        ActionButton {
            action: format!("{base}/{id}/archive"),
            label: "アーカイブする",
            danger: true,
        }
    }
}

/// One node of a tree, in depth-first order, with what the markup needs to
/// open and close its nested lists.
pub struct TreeNode {
    pub label: String,
    pub href: String,
    pub meta: String,
    pub has_children: bool,
    /// Nested lists that end right after this (leaf) node.
    pub closes: usize,
}

/// An item of a tree before ordering: id, parent, label, link, a note.
pub struct TreeItem {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub label: String,
    pub href: String,
    pub meta: String,
}

/// Orders `items` depth first (children in the given order). Items whose
/// parent is not among them are shown as roots, so nothing is hidden.
pub fn tree_nodes(items: Vec<TreeItem>) -> Vec<TreeNode> {
    let ids: std::collections::HashSet<i64> = items.iter().map(|i| i.id).collect();
    let mut children: HashMap<Option<i64>, Vec<usize>> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let parent = item.parent_id.filter(|p| ids.contains(p) && *p != item.id);
        children.entry(parent).or_default().push(index);
    }
    let mut out: Vec<TreeNode> = Vec::with_capacity(items.len());
    // (node index, depth); depth tells how many lists close after a leaf.
    let mut stack: Vec<(usize, usize)> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|&r| (r, 0)).collect())
        .unwrap_or_default();
    let mut visited = vec![false; items.len()];
    while let Some((index, depth)) = stack.pop() {
        if std::mem::replace(&mut visited[index], true) {
            continue;
        }
        let item = &items[index];
        let kids = children.get(&Some(item.id)).map_or(&[][..], Vec::as_slice);
        let next_depth = stack.last().map_or(0, |&(_, d)| d);
        out.push(TreeNode {
            label: item.label.clone(),
            href: item.href.clone(),
            meta: item.meta.clone(),
            has_children: !kids.is_empty(),
            closes: if kids.is_empty() {
                depth.saturating_sub(next_depth)
            } else {
                0
            },
        });
        stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
    }
    out
}

#[derive(Template)]
#[template(path = "tree.html")]
pub struct TreePage {
    pub layout: Layout,
    pub heading: String,
    pub list_href: String,
    pub nodes: Vec<TreeNode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, parent: Option<i64>) -> TreeItem {
        TreeItem {
            id,
            parent_id: parent,
            label: id.to_string(),
            href: String::new(),
            meta: String::new(),
        }
    }

    #[test]
    fn tree_closes_every_list_it_opens() {
        // 1 ─ 2 ─ 3, 1 ─ 4, 5
        let nodes = tree_nodes(vec![
            item(1, None),
            item(2, Some(1)),
            item(3, Some(2)),
            item(4, Some(1)),
            item(5, None),
        ]);
        let order: Vec<&str> = nodes.iter().map(|n| n.label.as_str()).collect();
        assert_eq!(order, ["1", "2", "3", "4", "5"]);
        let opens = nodes.iter().filter(|n| n.has_children).count();
        let closes: usize = nodes.iter().map(|n| n.closes).sum();
        assert_eq!(opens, closes, "balanced markup");
        assert_eq!(nodes[2].closes, 1, "after 3, the list under 2 ends");
        assert_eq!(nodes[3].closes, 1, "after 4, the list under 1 ends");
    }

    #[test]
    fn orphans_and_cycles_are_shown_not_lost() {
        let nodes = tree_nodes(vec![item(1, Some(99)), item(2, Some(2))]);
        assert_eq!(nodes.len(), 2);
    }
}
