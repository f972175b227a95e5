//! Demo issues: a realistic spread over kinds, categories and districts,
//! in every status of the workflow, some overdue, some carried over.

use chrono::NaiveDate;

use super::DemoData;
use crate::issues::{IssueKind, IssueStatus, Priority, Responsibility, Stance};

/// One demo issue and how far through the workflow it has come.
#[derive(Debug, Clone)]
pub struct DemoIssue {
    pub kind: IssueKind,
    pub title: &'static str,
    pub body: &'static str,
    pub category: &'static str,
    pub area_code: String,
    pub organisation_code: Option<String>,
    pub priority: Priority,
    pub received_on: NaiveDate,
    pub responsibility: Responsibility,
    /// Department names (the demo's sections).
    pub departments: Vec<&'static str>,
    pub other_body: Option<&'static str>,
    pub stance: Stance,
    pub answer: &'static str,
    /// The status the demo drives it to.
    pub target: IssueStatus,
    pub continuing: bool,
}

type Template = (
    IssueKind,
    &'static str,
    &'static str,
    &'static str,
    Responsibility,
    &'static [&'static str],
    Option<&'static str>,
    Stance,
    &'static str,
);

const TEMPLATES: &[Template] = &[
    (
        IssueKind::Request,
        "通学路の街灯が切れている",
        "小学校の通学路沿いの街灯が2基切れていて、冬は下校時に暗い。\nLED化もあわせて検討してほしい。",
        "防犯",
        Responsibility::City,
        &["土木課"],
        None,
        Stance::WillAct,
        "12月中にLED灯へ交換します。",
    ),
    (
        IssueKind::Request,
        "側溝の蓋ががたつく",
        "公民館前の側溝の蓋が、車が通るたびに大きな音を立てる。",
        "道路",
        Responsibility::City,
        &["土木課"],
        None,
        Stance::WillAct,
        "現地を確認し、蓋を交換します。",
    ),
    (
        IssueKind::Proposal,
        "防災倉庫の備品を見直したい",
        "地区の防災倉庫の発電機と毛布の数を確認し、不足を補いたい。\n地区防災計画の見直しにあわせて進めたい。",
        "防災",
        Responsibility::Joint,
        &["防災安全課"],
        None,
        Stance::Considering,
        "備品の点検に職員が同行します。補充は自主防災組織の補助金が使えます。",
    ),
    (
        IssueKind::Issue,
        "一人暮らし高齢者の見守り",
        "一人暮らしの高齢者が増え、民生委員だけでは見守りが行き届かない。",
        "高齢者見守り",
        Responsibility::Joint,
        &["高齢者支援課", "福祉課"],
        None,
        Stance::Considering,
        "生活支援コーディネーターと見守りネットワークの立ち上げを支援します。",
    ),
    (
        IssueKind::Request,
        "児童公園の草刈り",
        "児童公園の草が伸び、夏場は子どもが遊べない。",
        "環境整備",
        Responsibility::Community,
        &[],
        None,
        Stance::Considering,
        "",
    ),
    (
        IssueKind::Request,
        "交差点にカーブミラーを",
        "県道との交差点は見通しが悪く、出会い頭の事故が心配。",
        "交通",
        Responsibility::OtherBody,
        &[],
        Some("県（道路管理者）"),
        Stance::OtherBody,
        "",
    ),
    (
        IssueKind::Issue,
        "ごみ集積所のカラス対策",
        "集積所のネットが破れ、カラスがごみを散らかしている。",
        "環境整備",
        Responsibility::Joint,
        &["環境保全課"],
        None,
        Stance::WillAct,
        "防鳥ネットを配布します。設置と管理は地区でお願いします。",
    ),
    (
        IssueKind::Proposal,
        "公民館で子ども食堂を始めたい",
        "月1回、公民館を使った子ども食堂を地区で始めたい。",
        "子育て",
        Responsibility::Joint,
        &["子育て支援課", "生涯学習課"],
        None,
        Stance::Considering,
        "公民館の利用調整と、衛生講習の案内をします。",
    ),
    (
        IssueKind::Issue,
        "通学路沿いの空き家",
        "通学路沿いの空き家の屋根瓦が落ちかけていて危ない。",
        "防犯",
        Responsibility::City,
        &["建築住宅課"],
        None,
        Stance::Considering,
        "所有者を調べ、適切な管理をお願いする文書を送ります。",
    ),
    (
        IssueKind::Request,
        "バス停にベンチを置いてほしい",
        "高齢の利用者が多いバス停にベンチがなく、立って待つのがつらい。",
        "交通",
        Responsibility::City,
        &["都市計画課"],
        None,
        Stance::Difficult,
        "歩道幅が狭く設置できません。近くの店舗の軒先を待合所に使えないか相談します。",
    ),
    (
        IssueKind::Request,
        "避難所の案内看板が読めない",
        "避難所を示す看板が古く、文字が消えかけている。",
        "防災",
        Responsibility::City,
        &["防災安全課"],
        None,
        Stance::WillAct,
        "今年度中に新しい看板に取り替えます。",
    ),
    (
        IssueKind::Request,
        "市道の陥没",
        "市道の一部が陥没し、雨のたびに大きな水たまりができる。",
        "道路",
        Responsibility::City,
        &["土木課"],
        None,
        Stance::WillAct,
        "舗装を補修します。",
    ),
    (
        IssueKind::Issue,
        "夏祭りの担い手が足りない",
        "役員の高齢化で、夏祭りの準備が年々難しくなっている。",
        "その他",
        Responsibility::Community,
        &[],
        None,
        Stance::Considering,
        "",
    ),
    (
        IssueKind::Request,
        "公民館のトイレを洋式に",
        "和式トイレが使いにくいという声が多い。",
        "公共施設",
        Responsibility::City,
        &["生涯学習課"],
        None,
        Stance::Considering,
        "来年度予算で洋式化を検討します。",
    ),
    (
        IssueKind::Request,
        "駐輪場に防犯カメラを",
        "駅前の駐輪場で自転車の盗難が続いている。",
        "防犯",
        Responsibility::OtherBody,
        &[],
        Some("警察署"),
        Stance::OtherBody,
        "",
    ),
    (
        IssueKind::Request,
        "水路の泥上げ",
        "農業用水路に泥がたまり、大雨のときに溢れる。",
        "道路",
        Responsibility::Joint,
        &["土木課", "農林水産課"],
        None,
        Stance::WillAct,
        "重機を手配します。手作業の部分は地区の共同作業でお願いします。",
    ),
];

/// The statuses the demo spreads issues over (the team's steps where the scheme has them).
const TARGETS: [IssueStatus; 8] = [
    IssueStatus::Received,
    IssueStatus::Sorted,
    IssueStatus::Drafted,
    IssueStatus::Reviewed,
    IssueStatus::AwaitingAnswer,
    IssueStatus::ToReport,
    IssueStatus::Reported,
    IssueStatus::Closed,
];

/// About two dozen issues: most in the first liaison unit and its first
/// organisation (where the demo logins work), the rest across the city.
pub fn issues(data: &DemoData, today: NaiveDate) -> Vec<DemoIssue> {
    let units: Vec<&str> = {
        let mut u: Vec<&str> = data
            .appointments
            .iter()
            .filter(|a| a.current)
            .map(|a| a.area_code.as_str())
            .collect();
        u.dedup();
        u
    };
    let Some(first) = units.first().copied() else {
        return Vec::new();
    };
    let main_org = |area: &str| {
        data.organisations
            .iter()
            .find(|o| o.area_code == area)
            .map(|o| o.code.clone())
    };
    (0..24)
        .map(|n| {
            let t = &TEMPLATES[n % TEMPLATES.len()];
            let area = if n % 3 == 2 && units.len() > 1 {
                units[1 + n % (units.len() - 1)]
            } else {
                first
            };
            // Each round of eight shifts by one, so that a status meets
            // different templates (and waiting answers have departments).
            let target = TARGETS[(n + n / TARGETS.len()) % TARGETS.len()];
            // Older issues are further along; some waiting answers are overdue.
            let days_ago = 3 + (n as u64 % 8) * 9 + (n as u64 / 8) * 20;
            DemoIssue {
                kind: t.0,
                title: t.1,
                body: t.2,
                category: t.3,
                area_code: area.to_owned(),
                organisation_code: (n % 4 != 3).then(|| main_org(area)).flatten(),
                priority: [Priority::Normal, Priority::High, Priority::Normal, Priority::Low][n % 4],
                received_on: today - chrono::Days::new(days_ago),
                responsibility: t.4,
                departments: t.5.to_vec(),
                other_body: t.6,
                stance: t.7,
                answer: t.8,
                target,
                continuing: target == IssueStatus::Reported && n > TARGETS.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_covers_every_status_and_kind() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let preset = crate::scheme::preset("arao").unwrap();
        let data = super::super::generate(&preset, today);
        let issues = issues(&data, today);
        for status in TARGETS {
            assert!(issues.iter().any(|i| i.target == status), "{status:?}");
        }
        for kind in IssueKind::ALL {
            assert!(issues.iter().any(|i| i.kind == *kind), "{kind:?}");
        }
        let categories = &preset.scheme.issue_categories;
        assert!(issues.iter().all(|i| categories.iter().any(|c| c == i.category)));
        assert!(issues.iter().all(|i| i.received_on < today));
        // Departments have answers to give, and continuing issues carry over.
        let waiting: Vec<_> = issues
            .iter()
            .filter(|i| i.target == IssueStatus::AwaitingAnswer)
            .collect();
        assert!(waiting.iter().filter(|i| !i.departments.is_empty()).count() >= 2);
        assert!(issues.iter().filter(|i| i.continuing).count() >= 2);
    }
}
