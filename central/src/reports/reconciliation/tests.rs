use super::super::test_support::{another, dec, ended, story_assessment};
use super::*;
use tamga_core::act::{Certificate, CertificateKind};
use tamga_core::codes::{CountryCode, CurrencyCode, HsCode, Text};
use tamga_core::fixtures::{at, Story};
use tamga_core::quantity::{Mass, MassUnit, Money, Quantity};

#[test]
fn reconciliation_by_heading_with_certificates() {
    let story = Story::new();
    let (a, reg) = story_assessment(&story);
    let (a2, reg2) = another(&a, &reg, "EXP-GOLD-1", "2026-11-25T08:00:00Z", |r| {
        r.direction = Direction::Export;
        r.goods = vec![GoodsLine {
            hs_code: HsCode::new("7108120000").unwrap(),
            description: Text::new("Gold bars, \"999.9\", refined <LBMA>").unwrap(),
            quantity: Quantity {
                value: dec("2"),
                unit: QuantityUnit::Pcs,
            },
            net_mass: Mass::new("2000.00", MassUnit::G).unwrap(),
            gross_mass: Mass::new("2.1", MassUnit::Kg).unwrap(),
            value: Money {
                amount: dec("130000.00"),
                currency: CurrencyCode::new("USD").unwrap(),
            },
        }];
        r.certificates = vec![Certificate {
            kind: CertificateKind::StateControl,
            number: Text::new("SCC-2026/0815").unwrap(),
            issued_by: CountryCode::new("KG").unwrap(),
            issued_at: at("2026-11-24T09:00:00Z"),
            kp: None,
        }];
    });
    let (a3, reg3) = another(&a, &reg, "OUT-OF-PERIOD", "2027-01-02T08:00:00Z", |_| {});
    let records = [
        ConsignmentRecord {
            assessment: &a,
            registration: &reg,
        },
        ConsignmentRecord {
            assessment: &a2,
            registration: &reg2,
        },
        ConsignmentRecord {
            assessment: &a3,
            registration: &reg3,
        },
    ];
    let r = reconciliation(
        &records,
        at("2026-11-01T00:00:00Z"),
        at("2026-12-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(r.currencies, vec!["USD"]);
    assert_eq!(r.by_heading.len(), 2);
    let diamonds = &r.by_heading[0];
    assert_eq!(diamonds.direction, Direction::Import);
    assert_eq!(diamonds.heading.as_deref(), Some("7102"));
    assert_eq!(diamonds.consignments, 1);
    assert_eq!(diamonds.delivered, 1);
    assert_eq!(diamonds.quantity.ct.to_string(), "1250.35");
    assert_eq!(diamonds.net_mass_g.to_string(), "250.070");
    assert_eq!(diamonds.state_control_certificates, 0);
    let gold = &r.by_heading[1];
    assert_eq!(gold.direction, Direction::Export);
    assert_eq!(gold.heading.as_deref(), Some("7108"));
    assert_eq!(gold.quantity.pcs.to_string(), "2");
    assert_eq!(gold.state_control_certificates, 1);
    assert_eq!(r.totals.len(), 2);
    assert_eq!(r.totals[1].state_control_certificates, 1);
    assert_eq!(r.lines.len(), 2);

    let csv = r.to_csv();
    assert!(csv.starts_with("direction,hs_heading,goods,consignments,delivered,delivered_short,refused,returned,in_transit,goods_lines,quantity_ct,quantity_g,quantity_kg,quantity_pcs,net_mass_g,value_USD,state_control_certificates\r\n"));
    assert!(csv
        .contains("\r\nimport,7102,Diamonds,1,1,0,0,0,0,1,1250.35,0,0,0,250.070,1875525.00,0\r\n"));
    assert!(csv.contains(
        "\r\nexport,all,All precious metals and stones,1,1,0,0,0,0,1,0,0,0,2,2000.00,130000.00,1\r\n"
    ));

    // A description with a comma and quotes is quoted, its quotes doubled.
    let lines = r.lines_to_csv();
    assert!(lines.contains(",\"Gold bars, \"\"999.9\"\", refined <LBMA>\","));
    assert!(lines.contains(",SCC-2026/0815 (KG)\r\n"));
    assert_eq!(lines.matches("\r\n").count(), 3);

    let html = r.to_html(&Default::default());
    assert!(html.contains("Gold bars, &quot;999.9&quot;, refined &lt;LBMA&gt;"));
    assert!(!html.contains("<LBMA>"));
    assert!(reconciliation(
        &records,
        at("2026-12-01T00:00:00Z"),
        at("2026-11-01T00:00:00Z")
    )
    .is_err());
}

#[test]
fn each_ending_has_its_column_and_the_exceptions_are_listed() {
    let story = Story::new();
    let reg = story.registration_body();
    let mut endings = Vec::new();
    for (i, how) in ["delivered", "delivered_short", "refused", "returned"]
        .iter()
        .enumerate()
    {
        let a = ended(&story, how);
        let id = format!("IMP-{}", how.to_uppercase());
        endings.push(another(
            &a,
            &reg,
            &id,
            &format!("2026-11-0{}T10:00:00Z", i + 1),
            |_| {},
        ));
    }
    // And one still on the road.
    let (on_road, _) = story_assessment(&story);
    let mut on_road = on_road;
    on_road.state.outcome = None;
    on_road.state.status = Status::InTransit;
    endings.push(another(
        &on_road,
        &reg,
        "IMP-ON-THE-ROAD",
        "2026-11-05T10:00:00Z",
        |_| {},
    ));
    let records: Vec<ConsignmentRecord<'_>> = endings
        .iter()
        .map(|(a, r)| ConsignmentRecord {
            assessment: a,
            registration: r,
        })
        .collect();
    let r = reconciliation(
        &records,
        at("2026-11-01T00:00:00Z"),
        at("2026-12-01T00:00:00Z"),
    )
    .unwrap();
    let diamonds = &r.by_heading[0];
    assert_eq!(
        (
            diamonds.consignments,
            diamonds.delivered,
            diamonds.delivered_short,
            diamonds.refused,
            diamonds.returned,
            diamonds.in_transit
        ),
        (5, 1, 1, 1, 1, 1)
    );
    // Declared quantities, each consignment once: 5 x 1250.35 ct.
    assert_eq!(diamonds.quantity.ct.to_string(), "6251.75");
    assert_eq!(diamonds.values[0].amount.to_string(), "9377625.00");
    assert_eq!(r.totals[0].delivered_short, 1);
    type Row<'a> = (
        &'a str,
        &'a str,
        Option<u32>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let listed: Vec<Row<'_>> = r
        .endings
        .iter()
        .map(|e| {
            (
                e.consignment.as_str(),
                e.outcome,
                e.packages_short,
                e.net_mass_short.as_deref(),
                e.reason.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (
                "IMP-DELIVERED_SHORT",
                "delivered_short",
                Some(0),
                Some("12.50 ct"),
                None
            ),
            (
                "IMP-REFUSED",
                "refused",
                None,
                None,
                Some("the consignee's licence was suspended on 2026-11-22")
            ),
            ("IMP-RETURNED", "returned", None, None, None),
        ]
    );
    let outcomes: Vec<Option<&str>> = r.lines.iter().map(|l| l.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            Some("delivered"),
            Some("delivered_short"),
            Some("refused"),
            Some("returned"),
            None
        ]
    );
    assert_eq!(r.lines[3].status, Status::Returned);
    assert_eq!(r.lines[2].status, Status::Refused);

    let csv = r.to_csv();
    assert!(csv.contains(
        "\r\nimport,7102,Diamonds,5,1,1,1,1,1,5,6251.75,0,0,0,1250.350,9377625.00,0\r\n"
    ));
    let lines = r.lines_to_csv();
    assert!(lines
        .starts_with("registered_at,consignment,declaration,direction,status,outcome,hs_code,"));
    assert!(lines
        .contains(",IMP-RETURNED,10609050/231126/0000123,import,returned,returned,7102310000,"));
    assert!(
        lines.contains(",IMP-ON-THE-ROAD,10609050/231126/0000123,import,in_transit,,7102310000,")
    );
    let html = r.to_html(&Default::default());
    assert!(html.contains("<caption>Transit ended otherwise than in full</caption>"));
    assert!(html.contains("<td>IMP-DELIVERED_SHORT</td><td>10609050/231126/0000123</td><td>import</td><td>delivered_short</td><td>0</td><td>12.50 ct</td><td>-</td>"));
    assert!(html.contains("<td>refused</td><td>-</td><td>-</td><td>the consignee&#39;s licence was suspended on 2026-11-22</td>"));
    assert!(html.contains("<td>5</td><td>1</td><td>1</td><td>1</td><td>1</td><td>1</td>"));
    assert!(html.contains("<h3>Notes</h3>"));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["by_heading"][0]["delivered_short"], 1);
    assert_eq!(json["endings"][2]["outcome"], "returned");
    assert_eq!(json["notes"].as_array().unwrap().len(), NOTES.len());
}

/// The State Control Certificate the Department issues after import control is recorded as
/// `certificates_issued`: the reconciliation counts it (item 8), once even if the same
/// certificate is also on the registration.
#[test]
fn an_import_s_certificate_issued_after_state_control_is_counted() {
    let story = Story::new();
    let mut acts = story.clean_delivery();
    acts.push(story.expertise(200));
    acts.push(story.state_control_act(300, true));
    acts.push(story.certificates_issued(310, story.t(300)));
    let a = tamga_core::assess(
        &story.consignment,
        &acts,
        &story.registry(),
        story.t(400),
        &tamga_core::Tolerances::default(),
    );
    let reg = story.registration_body();
    let record = ConsignmentRecord {
        assessment: &a,
        registration: &reg,
    };
    let r = reconciliation(
        std::slice::from_ref(&record),
        at("2026-11-01T00:00:00Z"),
        at("2026-12-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(r.by_heading[0].state_control_certificates, 1);
    assert!(r.lines_to_csv().contains(",SCC-2026/0815 (KG)\r\n"));
    // Registered with it too: still one.
    let mut with_scc = reg.clone();
    with_scc
        .certificates
        .push(a.state.certificates_issued[0].clone());
    let record = ConsignmentRecord {
        assessment: &a,
        registration: &with_scc,
    };
    let r = reconciliation(
        std::slice::from_ref(&record),
        at("2026-11-01T00:00:00Z"),
        at("2026-12-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(r.by_heading[0].state_control_certificates, 1);
}
