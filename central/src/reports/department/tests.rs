use super::super::test_support::{another, dec, story_assessment};
use super::super::{reconciliation, ConsignmentRecord};
use super::*;
use tamga_core::act::{Certificate, CertificateKind, GoodsLine};
use tamga_core::codes::{CountryCode, CurrencyCode, HsCode, Text};
use tamga_core::fixtures::{at, Story};
use tamga_core::quantity::{Mass, MassUnit, Money, Quantity, QuantityUnit};

/// Central's reconciliation of November 2026: the story's import of 1250.35 ct of rough
/// diamonds, and an export of two gold bars with SCC-2026/0815.
fn central() -> Reconciliation {
    let story = Story::new();
    let (a, reg) = story_assessment(&story);
    let (a2, reg2) = another(&a, &reg, "EXP-GOLD-1", "2026-11-25T08:00:00Z", |r| {
        r.direction = Direction::Export;
        r.goods = vec![GoodsLine {
            hs_code: HsCode::new("7108120000").unwrap(),
            description: Text::new("Gold bars").unwrap(),
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
    let records = [
        ConsignmentRecord {
            assessment: &a,
            registration: &reg,
        },
        ConsignmentRecord {
            assessment: &a2,
            registration: &reg2,
        },
    ];
    reconciliation(
        &records,
        at("2026-11-01T00:00:00Z"),
        at("2026-12-01T00:00:00Z"),
    )
    .unwrap()
}

/// The Department's figures agreeing with [`central`], as a file would hold them (the carats
/// written with one more decimal place, the gold's mass with none).
fn matching() -> serde_json::Value {
    serde_json::json!({
        "period": {"from": "2026-11-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"},
        "rows": [
            {
                "direction": "import", "heading": "7102", "consignments": 1,
                "quantity": {"ct": "1250.350"},
                "net_mass_g": "250.07",
                "values": [{"currency": "USD", "amount": "1875525.00"}],
                "state_control_certificates": 0,
                "scc_numbers": []
            },
            {
                "direction": "export", "heading": "7108", "consignments": 1,
                "quantity": {"pcs": "2", "ct": "0"},
                "net_mass_g": "2000",
                "values": [{"currency": "USD", "amount": "130000"}],
                "state_control_certificates": 1,
                "scc_numbers": ["SCC-2026/0815"]
            }
        ]
    })
}

fn figures(value: serde_json::Value) -> DepartmentFigures {
    let f: DepartmentFigures = serde_json::from_value(value).unwrap();
    f.check().unwrap();
    f
}

fn lines(c: &Comparison) -> Vec<String> {
    c.differences.iter().map(Difference::for_people).collect()
}

#[test]
fn identical_figures_differ_in_nothing() {
    let c = compare(&figures(matching()), &central());
    assert_eq!(c.differences, vec![], "{:?}", lines(&c));
    assert_eq!((c.department_rows, c.central_rows), (2, 2));
}

#[test]
fn decimals_are_compared_as_values() {
    assert_eq!(dec("1250.350"), dec("1250.35"));
    let mut f = matching();
    f["rows"][0]["quantity"]["ct"] = "1250.35000".into();
    f["rows"][0]["quantity"]["g"] = "0.000".into();
    assert_eq!(compare(&figures(f), &central()).differences, vec![]);
}

#[test]
fn a_changed_carat_figure_is_listed_with_both_values() {
    let mut f = matching();
    f["rows"][0]["quantity"]["ct"] = "1250.36".into();
    let c = compare(&figures(f), &central());
    assert_eq!(
        lines(&c),
        vec!["import 7102 quantity_ct: Department 1250.36, central 1250.35"]
    );
}

#[test]
fn a_row_on_one_side_only_is_listed() {
    let mut f = matching();
    f["rows"].as_array_mut().unwrap().remove(1);
    f["rows"].as_array_mut().unwrap().push(serde_json::json!({
        "direction": "import", "heading": "7103", "consignments": 3,
        "net_mass_g": "12.5", "state_control_certificates": 0
    }));
    let c = compare(&figures(f), &central());
    assert_eq!(
        lines(&c),
        vec![
            "import 7103 row: Department 3 consignments, central none",
            "export 7108 row: Department none, central 1 consignments",
        ]
    );
}

#[test]
fn an_extra_certificate_and_other_fields_are_each_listed() {
    let mut f = matching();
    let gold = &mut f["rows"][1];
    gold["state_control_certificates"] = 2.into();
    gold["scc_numbers"] = serde_json::json!(["SCC-2026/0815", "SCC-2026/0816"]);
    gold["consignments"] = 2.into();
    gold["net_mass_g"] = "2000.01".into();
    gold["values"] = serde_json::json!([
        {"currency": "USD", "amount": "130000"},
        {"currency": "EUR", "amount": "5.00"}
    ]);
    let c = compare(&figures(f), &central());
    assert_eq!(
        lines(&c),
        vec![
            "export 7108 consignments: Department 2, central 1",
            "export 7108 net_mass_g: Department 2000.01, central 2000.00",
            "export 7108 value_EUR: Department 5.00, central none",
            "export 7108 state_control_certificates: Department 2, central 1",
            "export 7108 scc_number: Department SCC-2026/0816, central none",
        ]
    );
    // A number central has that the Department does not list.
    let mut f = matching();
    f["rows"][1]["scc_numbers"] = serde_json::json!(["SCC-2026/0999"]);
    assert_eq!(
        lines(&compare(&figures(f), &central())),
        vec![
            "export 7108 scc_number: Department none, central SCC-2026/0815",
            "export 7108 scc_number: Department SCC-2026/0999, central none",
        ]
    );
    // Without the list, only the count is compared.
    let mut f = matching();
    f["rows"][1].as_object_mut().unwrap().remove("scc_numbers");
    assert_eq!(compare(&figures(f), &central()).differences, vec![]);
}

#[test]
fn figures_that_contradict_themselves_or_are_misspelled_are_refused() {
    let refused = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut f = matching();
        edit(&mut f);
        match serde_json::from_value::<DepartmentFigures>(f) {
            Err(e) => e.to_string(),
            Ok(f) => f.check().unwrap_err(),
        }
    };
    for (edit, says) in [
        (
            &(|f: &mut serde_json::Value| f["rows"][0]["quantity"]["ct"] = "1,250.35".into())
                as &dyn Fn(&mut serde_json::Value),
            "decimal",
        ),
        (
            &|f: &mut serde_json::Value| f["rows"][0]["quantity"]["ct"] = "01250.35".into(),
            "decimal",
        ),
        (
            &|f: &mut serde_json::Value| f["rows"][0]["quantity"]["ct"] = 1250.35.into(),
            "string",
        ),
        (
            &|f: &mut serde_json::Value| f["rows"][0]["carats"] = "1".into(),
            "unknown field",
        ),
        (
            &|f: &mut serde_json::Value| f["rows"][0]["quantity"]["oz"] = "1".into(),
            "unknown field",
        ),
        (
            &|f: &mut serde_json::Value| f["rows"][0]["heading"] = "710231".into(),
            "4 digits",
        ),
        (
            &|f: &mut serde_json::Value| f["rows"][0]["direction"] = "transit".into(),
            "unknown variant",
        ),
        (
            &|f: &mut serde_json::Value| f["rows"][1]["scc_numbers"] = serde_json::json!([]),
            "0 SCC numbers listed, 1 counted",
        ),
        (
            &|f: &mut serde_json::Value| f["period"]["until"] = "2026-10-01T00:00:00Z".into(),
            "before it starts",
        ),
        (
            &|f: &mut serde_json::Value| f["period"]["from"] = "2026-11-01".into(),
            "",
        ),
        (
            &|f: &mut serde_json::Value| {
                f["rows"][0]["values"] = serde_json::json!([{"currency": "usd", "amount": "1"}])
            },
            "currency",
        ),
    ] {
        let message = refused(edit);
        assert!(message.contains(says), "{message}");
    }
    let mut twice = matching();
    twice["rows"][1]["heading"] = "7102".into();
    twice["rows"][1]["direction"] = "import".into();
    assert!(refused(&|f| *f = twice.clone()).contains("given twice"));
}
