//! 操作ガイド (/help): for each role, what to do first, the issue's way
//! through the team as a picture, and where the printouts are.

use askama::Template;
use axum::response::Response;
use kyodo_core::accounts::Role;
use kyodo_core::issues::IssueStatus;
use kyodo_core::permissions::Action;

use crate::auth::PageCaller;
use crate::error::PageResult;
use crate::pages::{self, Layout};

#[derive(Template)]
#[template(path = "help.html")]
struct HelpPage {
    layout: Layout,
    role: Role,
    /// The issue's states in order, as the flow picture shows them.
    steps: Vec<&'static str>,
    /// What this role prints, and where.
    printouts: Vec<(&'static str, &'static str)>,
}

/// Where the printouts are: each is a page with 「印刷する」.
fn printouts(role: Role) -> Vec<(&'static str, &'static str)> {
    match role {
        Role::Coordinator => vec![
            ("地域担当職員名簿", "/appointments"),
            ("地域担当の負担（月別・年度）", "/workload"),
            ("地区別の活動報告", "/workload/report"),
            ("引継ぎ書", "/handovers"),
            ("配置計画案", "/rotation"),
            ("課題の進捗回答書", "/issues"),
            ("交付金の算定表（Excel）", "/grants"),
        ],
        Role::Liaison => vec![
            ("地区別の活動報告", "/workload/report"),
            ("引継ぎ書", "/handovers"),
            ("課題の進捗回答書", "/issues"),
        ],
        Role::Department => vec![("課題の進捗回答書", "/issues")],
        Role::Community => vec![("課題の進捗回答書（各課題のページ）", "/issues")],
        Role::Admin => Vec::new(),
    }
}

pub async fn help_page(PageCaller(caller): PageCaller) -> PageResult<Response> {
    caller.require(Action::OwnAccount)?;
    let role = caller.role();
    let page = HelpPage {
        layout: Layout::new(&caller, "操作ガイド", "/help"),
        role,
        steps: IssueStatus::ALL.iter().map(|s| s.label()).collect(),
        printouts: printouts(role),
    };
    Ok(pages::render(&page))
}
