//! Answer templates (回答の定型文): a department's usual answers, picked
//! when answering so that the same case gets the same words.

use serde::Serialize;

use crate::validation::{FieldErrors, Fields};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AnswerTemplate {
    pub id: i64,
    pub department_id: i64,
    pub department_name: String,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TemplateInput {
    pub department_id: i64,
    pub title: String,
    pub body: String,
}

impl TemplateInput {
    /// `department` is the caller's own for department staff; a coordinator names one.
    pub fn parse(get: &dyn Fn(&str) -> Option<String>, department: Option<i64>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let department_id = match department {
            Some(d) => Some(d),
            None => {
                let raw = get("department_id").unwrap_or_default();
                let parsed = raw.trim().parse::<i64>().ok();
                if parsed.is_none() {
                    f.errors.add("department_id", "部署を選んでください");
                }
                parsed
            }
        };
        let title = f.required("title", "件名", 100);
        let body = f.text("body", "回答文", 4000, true).unwrap_or_default();
        f.errors.into_result(TemplateInput {
            department_id: department_id.unwrap_or_default(),
            title,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_needs_a_title_a_text_and_a_department() {
        let get = |k: &str| match k {
            "title" => Some("ＬＥＤ化".to_owned()),
            "body" => Some("  順次LED灯へ交換します。\n時期は追ってお知らせします。 ".to_owned()),
            _ => None,
        };
        let t = TemplateInput::parse(&get, Some(3)).unwrap();
        assert_eq!(t.title, "LED化");
        assert_eq!(t.body, "順次LED灯へ交換します。\n時期は追ってお知らせします。");
        let errors = TemplateInput::parse(&get, None).unwrap_err();
        assert_eq!(errors.get("department_id"), Some("部署を選んでください"));
        let empty = |_: &str| None;
        let errors = TemplateInput::parse(&empty, Some(3)).unwrap_err();
        assert_eq!(errors.get("title"), Some("件名を入力してください"));
        assert_eq!(errors.get("body"), Some("回答文を入力してください"));
    }
}
