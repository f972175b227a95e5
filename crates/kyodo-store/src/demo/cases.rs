//! The demo's case studies (事例集): a few closed issues with a report,
//! written up as a coordinator would — the problem in the coordinator's own
//! words, not the resident's — published, and the first shared with the
//! deployment's other municipalities; one shows a photo.

use chrono::NaiveDate;
use kyodo_core::case_studies::{CaseSource, CaseStudyInput};
use sea_query::{Expr, ExprTrait, Order, Query};

use crate::audit::Actor;
use crate::db::Db;
use crate::error::Result;

/// A drawn street at dusk (PNG, made for the demo): a photo the community may see.
const PHOTO: &[u8] = include_bytes!("street-light.png");

/// How many closed issues become case studies.
const CASES: u64 = 4;

pub(super) async fn load(db: &Db, actor: &Actor, today: NaiveDate) -> Result<()> {
    let q = Query::select()
        .column("id")
        .from("issues")
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
        .and_where(Expr::col("closed_at").is_not_null())
        .and_where(Expr::col("report_text").is_not_null())
        .order_by("id", Order::Asc)
        .limit(CASES)
        .to_owned();
    let ids: Vec<(i64,)> = db.fetch_all(&q).await?;
    for (n, (id,)) in ids.into_iter().enumerate() {
        let draft = crate::case_studies::draft_from(db, actor.municipality_id, CaseSource::Issue, id).await?;
        let area = crate::areas::get(db, actor.municipality_id, draft.area_id)
            .await?
            .area
            .name;
        let input = CaseStudyInput {
            area_id: draft.area_id,
            source: Some(CaseSource::Issue),
            source_id: Some(id),
            problem: format!("{area}の地区協議会に「{}」という声が複数寄せられていた。", draft.title),
            title: draft.title,
            theme: draft.theme,
            community_action: Some(
                "地区の役員と地域担当職員が現地を一緒に確認し、地区としての優先順位を話し合った。".into(),
            ),
            city_action: Some(draft.city_action),
            result: Some("地域への報告を協議会の定例会で行い、回覧板でも住民に知らせた。".into()),
            roles: Some("自治会長、地区協議会の役員、地域担当職員、担当課".into()),
            names_consented: false,
            published: n < 3,
        };
        let case = crate::case_studies::create(db, actor, &input, today).await?;
        if n == 0 {
            crate::case_studies::set_shared(db, actor, case.id, true).await?;
        }
        // The newest published case, the one a reader meets first.
        if n == 2 {
            photo(db, actor, id, case.id).await?;
        }
    }
    Ok(())
}

/// The issue's photo, attached as staff would, and shown on its case.
async fn photo(db: &Db, actor: &Actor, issue_id: i64, case_id: i64) -> Result<()> {
    let file = crate::issues::attachments::NewAttachment {
        filename: "現地の様子.png".into(),
        content_type: "image/png".into(),
        content: PHOTO.to_vec(),
        internal: false,
    };
    let attached = crate::issues::attachments::add(db, actor, issue_id, file).await?;
    crate::case_studies::photos::add(db, actor, case_id, attached.id).await?;
    Ok(())
}
