use super::super::test_support::{another, dec, ended, story_assessment};
use super::*;
use tamga_core::act::ConsignmentRegistered;
use tamga_core::codes::{CurrencyCode, Text};
use tamga_core::fixtures::Story;
use tamga_core::quantity::Money;

#[test]
fn kp_table_for_the_story() {
    let story = Story::new();
    let (a, reg) = story_assessment(&story);
    let records = [ConsignmentRecord {
        assessment: &a,
        registration: &reg,
    }];
    let kp = kp_statistics(&records, 2022..=2026, chrono_tz::Asia::Bishkek).unwrap();
    assert_eq!(kp.years.len(), 5);
    assert!(kp.skipped.is_empty());
    assert!(!kp.has_transit && !kp.has_not_in_usd);
    let y = kp.years.iter().find(|y| y.year == 2026).unwrap();
    assert_eq!(y.import.consignments, 1);
    assert_eq!(y.import.volume_ct.to_string(), "1250.35");
    assert_eq!(y.import.value_usd.to_string(), "1875525.00");
    assert_eq!(y.import.usd_per_ct.unwrap().to_string(), "1500.00");
    assert_eq!(y.import.kp_certificates, 1);
    assert_eq!(y.export, KpFlow::default());
    assert_eq!(y.kpc_total, 1);
    for other in kp.years.iter().filter(|y| y.year != 2026) {
        assert_eq!(other.import, KpFlow::default());
        assert_eq!(other.kpc_total, 0);
    }

    let csv = kp.to_csv();
    let mut rows = csv.split("\r\n");
    assert_eq!(
        rows.next().unwrap(),
        "year,production_volume_ct,production_value_usd,production_usd_per_ct,\
         import_volume_ct,import_value_usd,import_usd_per_ct,import_value_not_in_usd,import_consignments,\
         export_volume_ct,export_value_usd,export_usd_per_ct,export_value_not_in_usd,export_consignments,\
         kpc_import,kpc_export,kpc_total,\
         import_shortage_ct,import_refused_or_returned,import_refused_or_returned_ct,\
         export_shortage_ct,export_refused_or_returned,export_refused_or_returned_ct"
    );
    assert!(
        csv.contains("\r\n2026,-,-,-,1250.35,1875525.00,1500.00,,1,0,0,,,0,1,0,1,0,0,0,0,0,0\r\n")
    );
    assert!(csv.contains("\r\n2022,-,-,-,0,0,,,0,0,0,,,0,0,0,0,0,0,0,0,0,0\r\n"));

    let html = kp.to_html();
    assert!(html.contains("<td>1250.35</td><td>1875525.00</td><td>1500.00</td>"));
    assert!(html.contains(
        "<tr><th scope=\"row\">2022</th><td>-</td><td>-</td><td>-</td><td>-</td><td>-</td><td>-</td>"
    ));
    assert!(!html.contains("<html") && !html.contains("lang="));

    // Serialized, decimals are exact strings.
    let json = serde_json::to_value(&kp).unwrap();
    assert_eq!(json["years"][4]["import"]["volume_ct"], "1250.35");
    assert_eq!(json["years"][4]["import"]["usd_per_ct"], "1500.00");
}

#[test]
fn another_year_lands_in_its_own_row_and_directions_apart() {
    let story = Story::new();
    let (a, reg) = story_assessment(&story);
    // 23:59:59 on 31 December in Bishkek (UTC+6).
    let (a2, reg2) = another(&a, &reg, "EXP-2025-1", "2025-12-31T17:59:59Z", |r| {
        r.direction = Direction::Export;
        r.goods[0].quantity.value = dec("100.5");
        r.goods[0].value.amount = dec("120000.00");
        r.certificates[0].number = Text::new("KG 0000017").unwrap();
    });
    // Registered on 31 December and delivered in the new year: counted in its registration's
    // year, whatever the assessment says of delivery.
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
    let kp = kp_statistics(&records, 2025..=2026, chrono_tz::Asia::Bishkek).unwrap();
    let y2025 = &kp.years[0];
    assert_eq!(y2025.year, 2025);
    assert_eq!(y2025.import, KpFlow::default());
    assert_eq!(y2025.export.volume_ct.to_string(), "100.5");
    assert_eq!(y2025.export.value_usd.to_string(), "120000.00");
    // 120000.00 / 100.5 = 1194.0298...
    assert_eq!(y2025.export.usd_per_ct.unwrap().to_string(), "1194.03");
    assert_eq!(y2025.export.kp_certificates, 1);
    let y2026 = &kp.years[1];
    assert_eq!(y2026.import.volume_ct.to_string(), "1250.35");
    assert_eq!(y2026.export, KpFlow::default());
    // Only 2026 asked for: the 2025 export is out of range.
    let only = kp_statistics(&records, 2026..=2026, chrono_tz::Asia::Bishkek).unwrap();
    assert_eq!(only.years.len(), 1);
    assert_eq!(only.years[0].export, KpFlow::default());
    assert!(kp_statistics(
        &records,
        RangeInclusive::new(2026, 2025),
        chrono_tz::Asia::Bishkek
    )
    .is_err());
    assert!(kp_statistics(&records, 1900..=2026, chrono_tz::Asia::Bishkek).is_err());
}

#[test]
fn non_usd_values_are_listed_apart() {
    let story = Story::new();
    let (a, reg) = story_assessment(&story);
    let (a2, reg2) = another(&a, &reg, "IMP-EUR-1", "2026-03-01T10:00:00Z", |r| {
        let mut line = r.goods[0].clone();
        line.quantity.value = dec("8.00");
        line.value = Money {
            amount: dec("12000.00"),
            currency: CurrencyCode::new("EUR").unwrap(),
        };
        r.goods = vec![line];
        r.certificates[0].number = Text::new("BE 0417999").unwrap();
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
    let kp = kp_statistics(&records, 2026..=2026, chrono_tz::Asia::Bishkek).unwrap();
    let f = &kp.years[0].import;
    assert!(kp.has_not_in_usd);
    assert_eq!(f.consignments, 2);
    assert_eq!(f.volume_ct.to_string(), "1258.35");
    assert_eq!(f.value_usd.to_string(), "1875525.00");
    assert_eq!(f.usd_valued_ct.to_string(), "1250.35");
    assert_eq!(f.usd_per_ct.unwrap().to_string(), "1500.00");
    assert_eq!(f.kp_certificates, 2);
    assert_eq!(
        f.not_in_usd,
        vec![NotInUsd {
            currency: "EUR".into(),
            amount: dec("12000.00"),
            volume_ct: dec("8.00"),
            consignments: vec!["IMP-EUR-1".into()],
        }]
    );
    assert!(kp
        .to_csv()
        .contains(",1258.35,1875525.00,1500.00,EUR 12000.00 for 8.00 ct,2,"));
    let html = kp.to_html();
    assert!(html.contains("<td>1500.00*</td>"));
    assert!(html.contains("Values not in US$"));
    assert!(html.contains("<td>EUR</td><td>12000.00</td><td>8.00</td><td>IMP-EUR-1</td>"));
}

/// The four endings of the story's consignment, each its own consignment registered in 2026
/// with its own KP certificate.
fn four_endings(story: &Story) -> Vec<(tamga_core::Assessment, ConsignmentRegistered)> {
    let reg = story.registration_body();
    ["delivered", "delivered_short", "refused", "returned"]
        .iter()
        .enumerate()
        .map(|(i, how)| {
            let a = ended(story, how);
            let id = format!("IMP-{}", how.to_uppercase());
            let when = format!("2026-0{}-01T10:00:00Z", i + 1);
            another(&a, &reg, &id, &when, |r| {
                r.certificates[0].number = Text::new(format!("BE 041773{i}")).unwrap();
            })
        })
        .collect()
}

#[test]
fn each_ending_counts_in_its_own_way() {
    let story = Story::new();
    let endings = four_endings(&story);
    let records: Vec<ConsignmentRecord<'_>> = endings
        .iter()
        .map(|(a, r)| ConsignmentRecord {
            assessment: a,
            registration: r,
        })
        .collect();
    let kp = kp_statistics(&records, 2026..=2026, chrono_tz::Asia::Bishkek).unwrap();
    let import = &kp.years[0].import;
    // Delivered in full (1250.35 ct, 1875525.00 US$) and short (1250.35 - 12.50 = 1237.85 ct,
    // 1875525.00 x 1237.85 / 1250.35 = 1856775.00 US$); refused and returned not at all.
    assert_eq!(import.consignments, 2);
    assert_eq!(import.volume_ct.to_string(), "2488.20");
    assert_eq!(import.value_usd.to_string(), "3732300.00");
    assert_eq!(import.usd_valued_ct.to_string(), "2488.20");
    assert_eq!(import.usd_per_ct.unwrap().to_string(), "1500.00");
    assert_eq!(
        import.kp_certificates, 2,
        "refused and returned: not counted"
    );
    assert_eq!(kp.years[0].kpc_total, 2);
    assert_eq!(import.shortage_ct.to_string(), "12.50");
    assert_eq!(import.refused_or_returned, 2);
    assert_eq!(import.refused_or_returned_ct.to_string(), "2500.70");
    assert_eq!(
        kp.short_deliveries,
        vec![KpShortDelivery {
            year: 2026,
            direction: Direction::Import,
            consignment: "IMP-DELIVERED_SHORT".into(),
            registered_ct: dec("1250.35"),
            shortage_ct: dec("12.50"),
            counted_ct: dec("1237.85"),
            values: vec![ValueCounted {
                currency: "USD".into(),
                registered: dec("1875525.00"),
                counted: dec("1856775.00"),
            }],
            deducted: true,
        }]
    );
    type Row<'a> = (&'a str, &'a str, Option<&'a str>, String, Vec<String>);
    let set_aside: Vec<Row<'_>> = kp
        .set_aside
        .iter()
        .map(|s| {
            (
                s.consignment.as_str(),
                s.outcome,
                s.reason.as_deref(),
                s.volume_ct.to_string(),
                s.kp_certificates.clone(),
            )
        })
        .collect();
    assert_eq!(
        set_aside,
        vec![
            (
                "IMP-REFUSED",
                "refused",
                Some("the consignee's licence was suspended on 2026-11-22"),
                "1250.35".to_owned(),
                vec!["BE 0417732 (BE)".to_owned()]
            ),
            (
                "IMP-RETURNED",
                "returned",
                None,
                "1250.35".to_owned(),
                vec!["BE 0417733 (BE)".to_owned()]
            ),
        ]
    );
    assert_eq!(kp.set_aside[0].values[0].registered, dec("1875525.00"));
    assert_eq!(kp.notes.len(), NOTES.len());

    let csv = kp.to_csv();
    assert!(csv.lines().next().unwrap().ends_with(
        ",kpc_total,import_shortage_ct,import_refused_or_returned,import_refused_or_returned_ct,\
         export_shortage_ct,export_refused_or_returned,export_refused_or_returned_ct"
    ));
    assert!(csv.contains(
        "\r\n2026,-,-,-,2488.20,3732300.00,1500.00,,2,0,0,,,0,2,0,2,12.50,2,2500.70,0,0,0\r\n"
    ));
    let html = kp.to_html();
    assert!(html.contains("Short deliveries: counted less the shortage"));
    assert!(html.contains("<td>IMP-DELIVERED_SHORT</td><td>1250.35</td><td>12.50</td><td>1237.85</td><td>1875525.00 USD</td><td>1856775.00 USD</td>"));
    assert!(html.contains("Refused or returned: not counted"));
    assert!(
        html.contains("<td>refused: the consignee&#39;s licence was suspended on 2026-11-22</td>")
    );
    assert!(html.contains("<td>IMP-RETURNED</td><td>returned</td><td>1250.35</td><td>1875525.00 USD</td><td>BE 0417733 (BE)</td>"));
    assert!(html.contains("<h3>Notes</h3>"));
    let json = serde_json::to_value(&kp).unwrap();
    assert_eq!(json["years"][0]["import"]["shortage_ct"], "12.50");
    assert_eq!(json["set_aside"][1]["outcome"], "returned");
    assert_eq!(
        json["short_deliveries"][0]["values"][0]["counted"],
        "1856775.00"
    );
}

#[test]
fn a_shortage_is_shared_by_carats_and_its_value_rounded_half_up_to_the_cent() {
    // One currency: 1000.00 for 3.00 ct, 1.00 ct short: 2.00 ct for 666.67 (666.666...).
    let one: BTreeMap<String, (Decimal, Decimal)> =
        [("USD".to_owned(), (dec("3.00"), dec("1000.00")))].into();
    let less = less_shortage(&one, dec("3.00"), dec("1.00")).unwrap();
    assert_eq!(less["USD"], (dec("2.00"), dec("666.67")));
    // Two currencies, 0.10 ct short of 4.00: US dollars take 0.10 x 3/4 = 0.075, so 0.08
    // (half-up), euros the rest, 0.02; the carats deducted add up to the shortage exactly.
    let two: BTreeMap<String, (Decimal, Decimal)> = [
        ("EUR".to_owned(), (dec("1.00"), dec("500.00"))),
        ("USD".to_owned(), (dec("3.00"), dec("1000.00"))),
    ]
    .into();
    let less = less_shortage(&two, dec("4.00"), dec("0.10")).unwrap();
    // EUR first (sorted): 0.10 x 1/4 = 0.025, so 0.03; USD the rest, 0.07.
    assert_eq!(less["EUR"], (dec("0.97"), dec("485.00")));
    assert_eq!(less["USD"], (dec("2.93"), dec("976.67")));
    // More missing than registered: nothing left, nothing valued.
    let less = less_shortage(&one, dec("3.00"), dec("5")).unwrap();
    assert_eq!(less["USD"].0, dec("0.00"));
    assert!(less["USD"].1.is_zero());
    // Nothing missing: the registered value, exactly.
    let odd: BTreeMap<String, (Decimal, Decimal)> =
        [("USD".to_owned(), (dec("3.00"), dec("1000.005")))].into();
    assert_eq!(
        less_shortage(&odd, dec("3.00"), dec("0")).unwrap()["USD"],
        (dec("3.00"), dec("1000.005"))
    );
}

#[test]
fn a_shortage_in_grams_converts_and_one_of_mixed_goods_is_not_deducted() {
    use tamga_core::act::GoodsLine;
    use tamga_core::assessment::Outcome;
    use tamga_core::codes::HsCode;
    use tamga_core::quantity::{Mass, MassUnit, Quantity, QuantityUnit};
    let story = Story::new();
    let short = ended(&story, "delivered_short");
    let reg = story.registration_body();
    // 2.5 g short: 12.5 ct.
    let (mut a, r) = another(&short, &reg, "IMP-GRAMS", "2026-05-01T00:00:00Z", |_| {});
    if let Some(Outcome::DeliveredShort { net_mass, .. }) = &mut a.state.outcome {
        *net_mass = Mass::new("2.5", MassUnit::G).unwrap();
    }
    // With a gold line beside the diamonds: the acts cannot tell what is missing.
    let (b, rb) = another(&short, &reg, "IMP-MIXED", "2026-06-01T00:00:00Z", |r| {
        r.goods.push(GoodsLine {
            hs_code: HsCode::new("7108120000").unwrap(),
            description: Text::new("Gold bar").unwrap(),
            quantity: Quantity {
                value: dec("1"),
                unit: QuantityUnit::Pcs,
            },
            net_mass: Mass::new("1000.00", MassUnit::G).unwrap(),
            gross_mass: Mass::new("1.01", MassUnit::Kg).unwrap(),
            value: Money {
                amount: dec("65000.00"),
                currency: CurrencyCode::new("USD").unwrap(),
            },
        });
        r.certificates[0].number = Text::new("BE 0417999").unwrap();
    });
    let records = [
        ConsignmentRecord {
            assessment: &a,
            registration: &r,
        },
        ConsignmentRecord {
            assessment: &b,
            registration: &rb,
        },
    ];
    let kp = kp_statistics(&records, 2026..=2026, chrono_tz::Asia::Bishkek).unwrap();
    let import = &kp.years[0].import;
    assert_eq!(import.volume_ct.to_string(), "2488.20"); // 1237.85 + 1250.35 (mixed: as registered)
    assert_eq!(import.value_usd.to_string(), "3732300.00"); // 1856775.00 + 1875525.00
    assert_eq!(import.shortage_ct.to_string(), "12.50"); // 1250.35 - 1237.85; the mixed one: none
    assert_eq!(kp.short_deliveries.len(), 2);
    assert_eq!(kp.short_deliveries[0].shortage_ct, dec("12.5"));
    assert!(kp.short_deliveries[0].deducted);
    assert!(!kp.short_deliveries[1].deducted);
    assert_eq!(kp.short_deliveries[1].counted_ct, dec("1250.35"));
    assert!(kp.to_html().contains("1250.35 (not deducted: other goods)"));
}

#[test]
fn a_registration_just_after_midnight_in_bishkek_counts_in_the_new_year() {
    // 02:00 on 1 January 2027 in Bishkek is 20:00 UTC on 31 December 2026.
    let story = Story::new();
    let (a, mut reg) = story_assessment(&story);
    reg.at = Timestamp::parse("2026-12-31T20:00:00Z").unwrap();
    let records = [ConsignmentRecord {
        assessment: &a,
        registration: &reg,
    }];
    let year_with = |zone| {
        let kp = kp_statistics(&records, 2026..=2027, zone).unwrap();
        kp.years
            .iter()
            .find(|y| y.import.consignments == 1)
            .map(|y| y.year)
    };
    assert_eq!(year_with(chrono_tz::Asia::Bishkek), Some(2027));
    assert_eq!(year_with(chrono_tz::UTC), Some(2026));
}

// ---- the five-year default, the production column, the chart ----

#[test]
fn the_default_period_is_the_last_five_local_years_around_new_year_in_bishkek() {
    let bishkek = chrono_tz::Asia::Bishkek;
    let t = |s: &str| Timestamp::parse(s).unwrap();
    // 23:59:59 on 31 December 2026 in Bishkek: still 2026.
    assert_eq!(
        default_years(&t("2026-12-31T17:59:59Z"), bishkek),
        Some(2022..=2026)
    );
    // 00:00 on 1 January 2027 in Bishkek (18:00 UTC on 31 December): 2023 to 2027 there, while
    // in UTC it is still 2026.
    assert_eq!(
        default_years(&t("2026-12-31T18:00:00Z"), bishkek),
        Some(2023..=2027)
    );
    assert_eq!(
        default_years(&t("2026-12-31T18:00:00Z"), chrono_tz::UTC),
        Some(2022..=2026)
    );
    assert_eq!(DEFAULT_YEARS, 5);

    // A registration at 01:00 on 1 January 2022 in Bishkek (19:00 UTC on 31 December 2021) is
    // in the first year of the default period there, and in none of it in UTC.
    let story = Story::new();
    let (a, mut reg) = story_assessment(&story);
    reg.at = t("2021-12-31T19:00:00Z");
    let records = [ConsignmentRecord {
        assessment: &a,
        registration: &reg,
    }];
    let now = t("2026-06-01T06:00:00Z");
    let in_zone = |zone| {
        let years = default_years(&now, zone).unwrap();
        let kp = kp_statistics(&records, years, zone).unwrap();
        assert_eq!(kp.years.len(), 5);
        kp.years
            .iter()
            .find(|y| y.import.consignments == 1)
            .map(|y| y.year)
    };
    assert_eq!(in_zone(bishkek), Some(2022));
    assert_eq!(in_zone(chrono_tz::UTC), None);
}

#[test]
fn production_is_a_column_of_dashes_and_a_null_with_a_note_why() {
    let story = Story::new();
    let (a, reg) = story_assessment(&story);
    let records = [ConsignmentRecord {
        assessment: &a,
        registration: &reg,
    }];
    let kp = kp_statistics(&records, 2022..=2026, chrono_tz::Asia::Bishkek).unwrap();
    assert!(kp.years.iter().all(|y| y.production.is_none()));

    // CSV: production's three columns first, as table 1 has them, "-" in every year (not
    // prefixed like free text: it is no formula).
    let csv = kp.to_csv();
    assert!(csv.starts_with(
        "year,production_volume_ct,production_value_usd,production_usd_per_ct,import_volume_ct,"
    ));
    for year in 2022..=2026 {
        assert!(csv.contains(&format!("\r\n{year},-,-,-,")), "{year}: {csv}");
    }
    assert!(!csv.contains("'-"), "{csv}");

    // HTML: a Production column group before Import, and its cells "-".
    let html = kp.to_html();
    assert!(html.contains(
        "<th scope=\"col\" rowspan=\"2\">Period</th><th scope=\"colgroup\" colspan=\"3\">Production</th><th scope=\"colgroup\" colspan=\"3\">Import</th>"
    ), "{html}");
    assert_eq!(
        html.matches("<th scope=\"col\">Volume, ct</th>").count(),
        3,
        "production, import, export"
    );
    assert!(html.contains(
        "<tr><th scope=\"row\">2026</th><td>-</td><td>-</td><td>-</td><td>1250.35</td><td>1875525.00</td><td>1500.00</td>"
    ), "{html}");

    // JSON: null, in every year.
    let json = serde_json::to_value(&kp).unwrap();
    for y in json["years"].as_array().unwrap() {
        assert!(y["production"].is_null(), "{y}");
    }
    // The notes say why.
    let note = kp
        .notes
        .iter()
        .find(|n| n.starts_with("Production"))
        .unwrap();
    assert!(note.contains("No act") && note.contains("national producers"));
    assert!(html.contains("national producers&#39; records"));
}

/// The attributes of each `<rect class="bar" ...>` of a chart, per panel (`volume_ct`,
/// `value_usd`) and year, in order.
type Bars = Vec<(String, i32, Vec<BTreeMap<String, String>>)>;

fn bars(svg: &str) -> Bars {
    let mut out = Vec::new();
    for panel in svg.split("<g class=\"panel\" data-measure=\"").skip(1) {
        let measure = panel.split('"').next().unwrap().to_owned();
        for group in panel.split("<g class=\"year\" data-year=\"").skip(1) {
            let year: i32 = group.split('"').next().unwrap().parse().unwrap();
            let group = group.split("</g>").next().unwrap();
            let rects = group
                .split("<rect ")
                .skip(1)
                .map(|r| attributes(r.split('>').next().unwrap()))
                .collect();
            out.push((measure.clone(), year, rects));
        }
    }
    out
}

fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].trim().rsplit(' ').next().unwrap().to_owned();
        let value_and_rest = &rest[eq + 2..];
        let end = value_and_rest.find('"').unwrap();
        map.insert(name, value_and_rest[..end].to_owned());
        rest = &value_and_rest[end + 1..];
    }
    map
}

fn height(rect: &BTreeMap<String, String>) -> f64 {
    rect["height"].parse().unwrap()
}

#[test]
fn the_chart_has_a_group_of_bars_per_year_and_direction_in_proportion() {
    let story = Story::new();
    let (a, reg) = story_assessment(&story);
    // 2024: an export of 500.00 ct for 600000.00 US$; 2026: the story's import, 1250.35 ct for
    // 1875525.00 US$.
    let (a2, reg2) = another(&a, &reg, "EXP-2024-1", "2024-05-01T06:00:00Z", |r| {
        r.direction = Direction::Export;
        r.goods[0].quantity.value = dec("500.00");
        r.goods[0].value.amount = dec("600000.00");
        r.certificates[0].number = Text::new("KG 0000001").unwrap();
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
    let kp = kp_statistics(&records, 2022..=2026, chrono_tz::Asia::Bishkek).unwrap();
    let svg = kp.chart_svg(ChartLang::En);
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());

    // Two panels of five years, each year a group of two bars (no transit: as the tables).
    let groups = bars(&svg);
    assert_eq!(groups.len(), 10, "{svg}");
    for (i, (measure, year, rects)) in groups.iter().enumerate() {
        assert_eq!(measure, if i < 5 { "volume_ct" } else { "value_usd" });
        assert_eq!(*year, 2022 + (i % 5) as i32);
        let directions: Vec<&str> = rects.iter().map(|r| r["data-direction"].as_str()).collect();
        assert_eq!(directions, ["import", "export"], "{year}");
    }
    let bar = |measure: &str, year: i32, direction: &str| {
        groups
            .iter()
            .find(|(m, y, _)| m == measure && *y == year)
            .and_then(|(_, _, rects)| rects.iter().find(|r| r["data-direction"] == direction))
            .unwrap()
            .clone()
    };
    // Exact figures on the bars; heights in proportion to them (to the pixel's hundredth).
    let import = bar("volume_ct", 2026, "import");
    let export = bar("volume_ct", 2024, "export");
    assert_eq!(import["data-value"], "1250.35");
    assert_eq!(export["data-value"], "500.00");
    let ratio = height(&export) / height(&import);
    assert!((ratio - 500.00 / 1250.35).abs() < 1e-3, "{ratio}");
    // The volume axis: steps of 500 to 1500 ct, so 1250.35 ct is 1250.35 / 1500 of 170 px.
    assert_eq!(import["height"], "141.71");
    assert_eq!(height(&bar("volume_ct", 2023, "import")), 0.0);
    let value_import = bar("value_usd", 2026, "import");
    let value_export = bar("value_usd", 2024, "export");
    let ratio = height(&value_export) / height(&value_import);
    assert!((ratio - 600000.0 / 1875525.0).abs() < 1e-3, "{ratio}");
    // Bars stand on the axis: y + height is the same for all.
    let base = |r: &BTreeMap<String, String>| r["y"].parse::<f64>().unwrap() + height(r);
    assert!((base(&import) - base(&export)).abs() < 0.02);

    // Ticks: exact, readable numbers (grouped by three), up to the axis' top.
    assert!(
        svg.contains("data-value=\"1500\">1\u{202f}500</text>"),
        "{svg}"
    );
    assert!(svg.contains("data-value=\"2000000\">2\u{202f}000\u{202f}000</text>"));
    // Legend, title and text alternatives.
    assert!(svg.contains("<title id=\"kp-chart-title\">Kimberley Process statistics, 2022\u{2013}2026: rough diamonds by year</title>"));
    assert!(svg.contains("role=\"img\""));
    assert!(svg.contains("aria-label=\"Kimberley Process statistics, 2022\u{2013}2026"));
    assert!(svg.contains("aria-describedby=\"kp-chart-desc\""));
    let desc = svg.split("<desc id=\"kp-chart-desc\">").nth(1).unwrap();
    assert!(
        desc.contains("2026: import 1250.35 ct, 1875525.00 US$; export 0 ct, 0 US$."),
        "{desc}"
    );
    assert!(desc.contains("Production: none recorded."));
    assert!(svg.contains(">Rough diamonds by year, 2022\u{2013}2026</text>"));
    assert!(svg.contains(">Import</text>") && svg.contains(">Export</text>"));
    assert!(!svg.contains(">Transit</text>"));
    assert!(svg.contains("<title>2026, Import: 1250.35 ct</title>"));
    // Nothing a CSP would stop: no script, style attribute or external reference.
    for banned in ["<script", "style=", "href", "url(", "NaN", "inf"] {
        assert!(!svg.contains(banned), "{banned}: {svg}");
    }
    // In Russian, every word.
    let ru = kp.chart_svg(ChartLang::Ru);
    assert!(ru.contains(
        "<title id=\"kp-chart-title\">Статистика Кимберлийского процесса, 2022\u{2013}2026"
    ));
    assert!(ru.contains(">Импорт</text>") && ru.contains(">Экспорт</text>"));
    assert!(ru.contains(">Объём, кар</text>") && ru.contains(">Стоимость, долл. США</text>"));
    assert!(ru.contains("2026: импорт 1250.35 кар, 1875525.00 долл. США"));
    assert!(!ru.contains(">Import<") && !ru.contains("Volume"));
    // Beside the tables in the HTML fragment (the printable page), in English.
    let html = kp.to_html();
    let tables_end = html.find("</div>\n<figure class=\"kp-chart\">").unwrap();
    assert!(html[..tables_end].contains("class=\"kp-certificates\""));
    assert!(html.contains(&svg), "the same chart");
}

#[test]
fn transit_adds_a_third_bar_to_each_group() {
    let story = Story::new();
    let (a, reg) = story_assessment(&story);
    let (a2, reg2) = another(&a, &reg, "TR-2025-1", "2025-05-01T06:00:00Z", |r| {
        r.direction = Direction::Transit;
        r.certificates[0].number = Text::new("AE 0000001").unwrap();
    });
    let records = [ConsignmentRecord {
        assessment: &a2,
        registration: &reg2,
    }];
    let kp = kp_statistics(&records, 2025..=2026, chrono_tz::Asia::Bishkek).unwrap();
    assert!(kp.has_transit);
    let svg = kp.chart_svg(ChartLang::En);
    for (_, year, rects) in bars(&svg) {
        let directions: Vec<&str> = rects.iter().map(|r| r["data-direction"].as_str()).collect();
        assert_eq!(directions, ["import", "export", "transit"], "{year}");
    }
    assert!(svg.contains(">Transit</text>"));
}

#[test]
fn the_chart_of_empty_years_is_stable() {
    let kp = kp_statistics(&[], 2022..=2026, chrono_tz::Asia::Bishkek).unwrap();
    let svg = kp.chart_svg(ChartLang::En);
    assert_eq!(svg, kp.chart_svg(ChartLang::En), "the same every time");
    let groups = bars(&svg);
    assert_eq!(groups.len(), 10);
    for (_, _, rects) in &groups {
        assert_eq!(rects.len(), 2);
        for r in rects {
            assert_eq!(r["height"], "0");
            assert_eq!(r["data-value"], "0");
        }
    }
    // An axis from 0 to 1, and a word that there is nothing to draw; no NaN from 0 / 0.
    assert!(svg.contains("data-value=\"0\">0</text>"));
    assert!(svg.contains("data-value=\"1\">1</text>"));
    assert!(svg.contains("No rough diamonds in these years"));
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    // One year, many years: still one group per year (a hundred years labelled every ninth).
    let one = kp_statistics(&[], 2026..=2026, chrono_tz::Asia::Bishkek).unwrap();
    assert_eq!(bars(&one.chart_svg(ChartLang::Ru)).len(), 2);
    let many = kp_statistics(&[], 1927..=2026, chrono_tz::Asia::Bishkek).unwrap();
    let svg = many.chart_svg(ChartLang::En);
    assert_eq!(bars(&svg).len(), 200);
    assert_eq!(svg.matches("class=\"year-label\"").count(), 2 * 12);
}

#[test]
fn the_chart_escapes_its_text_and_its_axis_is_exact() {
    use super::chart::{axis, grouped, Svg};
    let mut svg = Svg::default();
    svg.text_element(
        "text",
        &[("data-x", "a\"><script>".to_owned())],
        "<script>alert('x') & </script>",
    );
    assert_eq!(
        svg.out,
        "<text data-x=\"a&quot;&gt;&lt;script&gt;\">&lt;script&gt;alert(&#39;x&#39;) &amp; &lt;/script&gt;</text>\n"
    );
    // Steps of 1, 2 or 5 times a power of ten, at most five of them, exact.
    assert_eq!(axis(Decimal::ZERO), (Decimal::ONE, 1));
    assert_eq!(axis(dec("0.03")), (dec("0.01"), 3));
    assert_eq!(axis(dec("5")), (dec("1"), 5));
    assert_eq!(axis(dec("5.01")), (dec("2"), 3));
    assert_eq!(axis(dec("1250.35")), (dec("500"), 3));
    assert_eq!(axis(dec("1875525.00")), (dec("500000"), 4));
    let (step, steps) = axis(Decimal::MAX);
    assert!(step * Decimal::from(steps) >= Decimal::MAX && steps >= 1);
    assert_eq!(grouped(dec("1500000.50")), "1\u{202f}500\u{202f}000.5");
    assert_eq!(grouped(dec("999")), "999");
    assert_eq!(grouped(dec("0.05")), "0.05");
}
