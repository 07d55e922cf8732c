use super::*;
use serde_json::json;

fn here() -> Here {
    Here {
        role: NodeRole::Post,
        unit: "MANAS-AIRPORT".into(),
        zone: LocalTime::default(),
    }
}

fn who_args() -> Who {
    Who {
        consignment: "10609050/231126/0000123".into(),
        officer: "aa".into(),
    }
}

fn no_place() -> PlaceArgs {
    PlaceArgs {
        post: None,
        road: None,
        lat: None,
        lon: None,
    }
}

#[test]
fn forms_are_the_acts_json_without_at() {
    let form = seal(
        SealCommand::Check {
            who: who_args(),
            seal: "KG-0042137".into(),
            state: "intact".into(),
            note: None,
            place: PlaceArgs {
                road: Some("km 14".into()),
                lat: Some("43.0".into()),
                lon: Some("74.4".into()),
                ..no_place()
            },
        },
        &here(),
        None,
    )
    .unwrap();
    assert_eq!(form.officer(), "aa");
    let signed = Signed {
        form,
        pin: "123456".into(),
    };
    assert_eq!(
        serde_json::to_value(&signed).unwrap(),
        json!({
            "kind": "seal_checked", "seal": "KG-0042137", "state": "intact",
            "place": {"type": "road", "description": "km 14",
                      "coordinates": {"latitude": "43.0", "longitude": "74.4"}},
            "consignment": "10609050/231126/0000123", "officer": "aa", "pin": "123456",
        })
    );
    let count_args = CountArgs {
        seals: vec!["KG-0042137:intact".into()],
        packages: 1,
        gross_mass: "0.412 kg".into(),
    };
    let no_delivery = DeliveryArgs {
        net_mass: None,
        short_packages: None,
        short_net_mass: None,
        short_description: None,
        documents: vec![],
    };
    let delivered = deliver(who_args(), &count_args, &no_delivery, &no_place(), &here()).unwrap();
    assert_eq!(
        serde_json::to_value(&delivered).unwrap(),
        json!({
            "kind": "consignment_delivered",
            "seals": [{"seal": "KG-0042137", "state": "intact"}],
            "packages": 1, "gross_mass": {"value": "0.412", "unit": "kg"},
            "place": {"type": "post", "unit": "MANAS-AIRPORT"},
            "consignment": "10609050/231126/0000123", "officer": "aa",
        })
    );
}

#[test]
fn options_that_make_no_form_say_what_to_type() {
    let vehicle = Here {
        role: NodeRole::Vehicle,
        unit: "ESCORT-BISHKEK".into(),
        zone: LocalTime::default(),
    };
    assert!(place(&no_place(), &vehicle).unwrap_err().contains("--road"));
    let mut bad = CountArgs {
        seals: vec!["KG-0042137".into()],
        packages: 1,
        gross_mass: "0.412 kg".into(),
    };
    assert!(count(&bad).unwrap_err().contains("NUMBER:STATE"));
    bad.seals.clear();
    bad.gross_mass = "0.412".into();
    assert!(count(&bad).unwrap_err().contains("a number and a unit"));
    assert!(position(who_args(), &["bad".into()], &LocalTime::default())
        .unwrap_err()
        .contains("TIME,LATITUDE,LONGITUDE"));
}
