//! Outgoing mail (メール通知): the municipality's SMTP settings and the
//! daily digest (対応待ちのお知らせ) each user with an address receives.

use serde::Serialize;

use crate::validation::{FieldErrors, Fields};

crate::keyed_enum! {
    /// How the connection to the SMTP server is protected.
    pub enum Security {
        /// STARTTLS on port 587 (the usual submission port).
        StartTls = ("starttls", "STARTTLS（587番）"),
        /// TLS from the start, port 465.
        Tls = ("tls", "SSL/TLS（465番）"),
        /// None: only for a relay inside the city's closed network (LGWAN).
        Plain = ("plain", "暗号化なし（庁内の中継サーバーのみ）"),
    }
}

/// The municipality's mail settings. The password is never shown back.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    #[serde(skip_serializing)]
    pub password: Option<String>,
    /// 送信元, e.g. kyodo@city.arao.lg.jp.
    pub from_address: String,
    pub digest_enabled: bool,
    /// The hour (JST) after which the day's digest goes out.
    pub digest_hour: u8,
}

impl MailSettings {
    /// `keep_password`: the stored password, used when the form leaves it empty.
    pub fn parse(get: &dyn Fn(&str) -> Option<String>, keep_password: Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let host = crate::text::fold_ascii(&f.required("host", "SMTPサーバー", 253));
        let security = match get("security").as_deref().map(str::trim) {
            None | Some("") => Security::StartTls,
            Some(k) => Security::try_from(k.to_owned()).unwrap_or_else(|_| {
                f.errors.add("security", "暗号化の方式を選んでください");
                Security::StartTls
            }),
        };
        let default_port = match security {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::Plain => 25,
        };
        let port_raw = crate::text::normalize_digits(get("port").as_deref().unwrap_or("").trim());
        let port = if port_raw.is_empty() {
            default_port
        } else {
            port_raw.parse::<u16>().ok().filter(|p| *p > 0).unwrap_or_else(|| {
                f.errors.add("port", "ポート番号は1〜65535の数字で入力してください");
                default_port
            })
        };
        let username = f.text("username", "ユーザー名", 200, false);
        let password = f.text("password", "パスワード", 200, false).or(keep_password);
        let from_address = f.email("from_address", "送信元アドレス").unwrap_or_default();
        if from_address.is_empty() && f.errors.get("from_address").is_none() {
            f.errors.add("from_address", "送信元アドレスを入力してください");
        }
        let digest_enabled = get("digest_enabled").as_deref() == Some("true");
        let hour_raw = crate::text::normalize_digits(get("digest_hour").as_deref().unwrap_or("").trim());
        let digest_hour = if hour_raw.is_empty() {
            7
        } else {
            hour_raw.parse::<u8>().ok().filter(|h| *h < 24).unwrap_or_else(|| {
                f.errors
                    .add("digest_hour", "送信時刻は0〜23の数字（時）で入力してください");
                7
            })
        };
        f.errors.into_result(MailSettings {
            host,
            port,
            security,
            username,
            password,
            from_address,
            digest_enabled,
            digest_hour,
        })
    }
}

/// One line of a digest: what waits, how many, where to look.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestLine {
    pub label: String,
    pub count: i64,
    pub path: String,
    pub late: bool,
}

/// The digest's subject and plain-text body; `None` when nothing waits
/// (an empty digest every morning teaches people to ignore it).
pub fn digest(
    municipality: &str,
    user: &str,
    date: &str,
    lines: &[DigestLine],
    base_url: &str,
) -> Option<(String, String)> {
    let waiting: Vec<&DigestLine> = lines.iter().filter(|l| l.count > 0).collect();
    if waiting.is_empty() {
        return None;
    }
    let subject = format!("【kyodo】対応待ちのお知らせ（{date}）");
    let mut body = format!("{user} 様\n\n{municipality}の kyodo で、{date}現在、次の対応が待っています。\n\n");
    for l in waiting {
        let mark = if l.late { "【期限超過】" } else { "" };
        body.push_str(&format!(
            "・{mark}{}: {}件\n  {}{}\n",
            l.label,
            l.count,
            base_url.trim_end_matches('/'),
            l.path
        ));
    }
    body.push_str("\nこのメールは kyodo から毎日自動で送っています。受け取らない場合は、kyodo の「アカウント」でメールアドレスを空欄にしてください。\n");
    Some((subject, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn settings_default_the_port_from_the_security_and_keep_the_password() {
        let get = form(&[
            ("host", "smtp.city.example.jp"),
            ("security", "tls"),
            ("from_address", "kyodo@city.example.jp"),
        ]);
        let s = MailSettings::parse(&get, Some("secret".into())).unwrap();
        assert_eq!(
            (s.port, s.security, s.password.as_deref()),
            (465, Security::Tls, Some("secret"))
        );
        assert_eq!(s.digest_hour, 7);
        assert!(!s.digest_enabled);
    }

    #[test]
    fn bad_settings_are_reported_per_field() {
        let get = form(&[
            ("port", "７００００"),
            ("from_address", "nobody"),
            ("digest_hour", "25"),
        ]);
        let errors = MailSettings::parse(&get, None).unwrap_err();
        assert_eq!(errors.get("host"), Some("SMTPサーバーを入力してください"));
        assert_eq!(errors.get("port"), Some("ポート番号は1〜65535の数字で入力してください"));
        assert!(errors.get("from_address").is_some());
        assert!(errors.get("digest_hour").is_some());
    }

    #[test]
    fn a_digest_lists_what_waits_and_is_skipped_when_nothing_does() {
        let line = |label: &str, count, late| DigestLine {
            label: label.into(),
            count,
            path: "/issues?overdue=true".into(),
            late,
        };
        let lines = [
            line("回答待ちの課題", 3, false),
            line("回答期限を過ぎた課題", 1, true),
            line("報告待ち", 0, false),
        ];
        let (subject, body) = digest(
            "荒尾市",
            "土木課 太郎",
            "令和8年11月21日",
            &lines,
            "https://kyodo.example.jp/",
        )
        .unwrap();
        assert_eq!(subject, "【kyodo】対応待ちのお知らせ（令和8年11月21日）");
        assert!(body.contains("・回答待ちの課題: 3件\n  https://kyodo.example.jp/issues?overdue=true"));
        assert!(body.contains("・【期限超過】回答期限を過ぎた課題: 1件"));
        assert!(!body.contains("報告待ち"));
        assert_eq!(digest("荒尾市", "x", "d", &[line("a", 0, false)], ""), None);
    }
}
