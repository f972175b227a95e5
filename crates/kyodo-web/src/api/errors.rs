//! The error statuses of every operation, declared by one rule rather than
//! by hand on each: which can happen follows from the operation's shape
//! (signed in or public, path parameters, query parameters, a body, a
//! write). Each has the `{code, message, errors}` body.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

pub struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let public = path.starts_with("/public/");
            for (write, op) in [
                (false, &mut item.get),
                (true, &mut item.post),
                (true, &mut item.patch),
                (true, &mut item.put),
                (true, &mut item.delete),
            ] {
                if let Some(op) = op {
                    declare(op, public, write);
                }
            }
        }
    }
}

fn declare(op: &mut Operation, public: bool, write: bool) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let located = |at: ParameterIn| params.iter().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == at));
    let (in_path, in_query) = (located(ParameterIn::Path), located(ParameterIn::Query));
    let body = op.request_body.is_some();
    let mut add = |status: &str, description: &str| {
        op.responses.responses.entry(status.to_owned()).or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        });
    };
    if body {
        add("400", "本文が読めない（JSONやmultipartとして壊れている）");
        add("415", "本文の形式（Content-Type）が文書のものでない");
    }
    if public {
        add(
            "429",
            "同じ接続元からのアクセスが多すぎる。Retry-After の秒数だけ待って再試行",
        );
    }
    if !public {
        add("401", "ログインしていない、またはトークンが無効");
        add("403", "この操作の権限がない（役割・担当の範囲）");
    }
    if in_path {
        add("404", "指定の記録がない（ほかの自治体の記録も含む）");
    }
    if write {
        add(
            "409",
            "文書には合うが、記録や制度の決まりにより受け付けられない（ほかの人が先に更新した、存在しない地区を指定した、今の段階ではできない操作など）。errors に項目ごとの理由",
        );
    }
    if body {
        add("413", "本文が大きすぎる（32MBまで）");
    }
    if body || in_query {
        add(
            "422",
            "この文書（openapi.json）に合わない項目がある。errors に項目ごとの理由",
        );
    }
}
