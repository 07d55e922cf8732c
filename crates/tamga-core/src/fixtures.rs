//! Deterministic keys and the reference story, for tests, the published test vectors and
//! demonstrations.
//!
//! The story is DOMAIN.md's: rough diamonds with a Kimberley Process certificate arrive at the
//! Manas airport post, are registered and sealed, handed to the escort crew, checked at a stop,
//! and handed over at the Precious Metals Department. Keys derive from fixed, public seeds:
//! **never use them for real custody**.

use crate::act::*;
use crate::codes::*;
use crate::handoff::{Count, CustodyOffer};
use crate::quantity::{parse_decimal, Mass, MassUnit, Money, Quantity, QuantityUnit};
use crate::registry::{Registry, Role};
use crate::signing::{key_id, SignedAct};
use crate::time::Timestamp;
use crate::ActId;
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

/// The signing key derived from the public seed phrase `name`.
pub fn key(name: &str) -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(format!("tamga fixture key: {name}")).into();
    SigningKey::from_bytes(&seed)
}

/// The airport post where the diamonds arrive (office of departure).
pub const AIRPORT_POST: &str = "MANAS-AIRPORT";
/// The Precious Metals Department's office (office of destination).
pub const DEPARTMENT: &str = "PMD-BISHKEK";
/// The customs escort unit.
pub const ESCORT_UNIT: &str = "ESCORT-BISHKEK";
/// A post off the route.
pub const OTHER_POST: &str = "TOKMOK-ROAD";

/// Someone in the story.
pub struct Person {
    /// Their signing key.
    pub key: SigningKey,
    /// Their key id.
    pub id: KeyId,
    /// Their name.
    pub name: &'static str,
    /// Their personal number.
    pub personal_number: &'static str,
    /// Their role.
    pub role: Role,
    /// Their unit.
    pub unit: &'static str,
}

impl Person {
    fn new(
        name: &'static str,
        personal_number: &'static str,
        role: Role,
        unit: &'static str,
    ) -> Self {
        let key = key(name);
        Person {
            id: key_id(&key),
            key,
            name,
            personal_number,
            role,
            unit,
        }
    }

    /// Their unit as a code.
    pub fn unit_code(&self) -> UnitCode {
        unit(self.unit)
    }

    /// This person as a handoff party.
    pub fn custodian(&self) -> Custodian {
        Custodian {
            unit: self.unit_code(),
            officer: self.id.clone(),
        }
    }
}

/// A unit code from a constant.
pub fn unit(code: &str) -> UnitCode {
    UnitCode::new(code).expect("fixture unit codes are valid")
}

/// Text from a constant.
pub fn text(t: &str) -> Text {
    Text::new(t).expect("fixture texts are valid")
}

/// A time from a constant.
pub fn at(t: &str) -> Timestamp {
    Timestamp::parse(t).expect("fixture times are valid")
}

/// The cast and the facts of the reference story.
pub struct Story {
    /// The customs authority's root key.
    pub authority: SigningKey,
    /// Officer at the airport post who registers and seals.
    pub airport_officer: Person,
    /// Escort officer in charge.
    pub escort_lead: Person,
    /// Second escort officer.
    pub escort_second: Person,
    /// Precious Metals Department official who receives.
    pub department_officer: Person,
    /// Reconciliation staff at headquarters.
    pub central_staff: Person,
    /// The escort vehicle's device.
    pub vehicle_device: Person,
    /// A key nobody enrolled.
    pub outsider: Person,
    /// The consignment.
    pub consignment: ConsignmentId,
    /// The seal on the safe-bag.
    pub seal: SealNumber,
    /// When the diamonds are registered.
    pub start: Timestamp,
}

impl Default for Story {
    fn default() -> Self {
        Self::new()
    }
}

impl Story {
    /// The story with its fixed cast, starting 2026-11-23T06:00:00Z.
    pub fn new() -> Self {
        Story {
            authority: key("customs authority"),
            airport_officer: Person::new(
                "Aibek Asanov",
                "KG-0417",
                Role::PostOfficer,
                AIRPORT_POST,
            ),
            escort_lead: Person::new(
                "Nurlan Osmonov",
                "KG-1120",
                Role::EscortOfficer,
                ESCORT_UNIT,
            ),
            escort_second: Person::new("Timur Bekov", "KG-1133", Role::EscortOfficer, ESCORT_UNIT),
            department_officer: Person::new(
                "Gulnara Sydykova",
                "PMD-031",
                Role::PreciousMetalsOfficer,
                DEPARTMENT,
            ),
            central_staff: Person::new(
                "Aigerim Tokonova",
                "HQ-207",
                Role::CentralStaff,
                "HQ-RECON",
            ),
            vehicle_device: Person::new("escort vehicle tablet 01", "", Role::Device, ESCORT_UNIT),
            outsider: Person::new("an unenrolled key", "", Role::PostOfficer, AIRPORT_POST),
            consignment: ConsignmentId::new("10609050/231126/0000123").expect("valid"),
            seal: SealNumber::new("KG-0042137").expect("valid"),
            start: at("2026-11-23T06:00:00Z"),
        }
    }

    /// The authority's key id.
    pub fn authority_id(&self) -> KeyId {
        key_id(&self.authority)
    }

    /// `minutes` after the story's start.
    pub fn t(&self, minutes: i64) -> Timestamp {
        self.start.plus_seconds(minutes * 60)
    }

    /// Everyone enrolled (all but the outsider).
    pub fn enrolled(&self) -> [&Person; 6] {
        [
            &self.airport_officer,
            &self.escort_lead,
            &self.escort_second,
            &self.department_officer,
            &self.central_staff,
            &self.vehicle_device,
        ]
    }

    /// The authority's enrollment of `person`, valid for 2026 and 2027.
    pub fn enrollment(&self, person: &Person) -> SignedAct {
        let holder = Holder {
            name: text(person.name),
            personal_number: (!person.personal_number.is_empty())
                .then(|| text(person.personal_number)),
        };
        self.by_authority(ActBody::KeyEnrolled(KeyEnrolled {
            at: at("2026-01-05T09:00:00Z"),
            authority: self.authority_id(),
            key: person.id.clone(),
            holder,
            role: person.role,
            unit: person.unit_code(),
            valid_from: at("2026-01-01T00:00:00Z"),
            valid_until: at("2028-01-01T00:00:00Z"),
        }))
    }

    /// The authority's enrollment of a node's device key at `unit`, valid like the others.
    pub fn device_enrollment(&self, device: &KeyId, unit_code: &str, name: &str) -> SignedAct {
        self.by_authority(ActBody::KeyEnrolled(KeyEnrolled {
            at: at("2026-01-05T09:00:00Z"),
            authority: self.authority_id(),
            key: device.clone(),
            holder: Holder {
                name: text(name),
                personal_number: None,
            },
            role: Role::Device,
            unit: unit(unit_code),
            valid_from: at("2026-01-01T00:00:00Z"),
            valid_until: at("2028-01-01T00:00:00Z"),
        }))
    }

    /// The authority's revocation of `person`'s key from `from`.
    pub fn revocation(&self, person: &Person, from: Timestamp) -> SignedAct {
        self.by_authority(ActBody::KeyRevoked(KeyRevoked {
            at: from,
            authority: self.authority_id(),
            key: person.id.clone(),
            effective_from: from,
            reason: text("device reported lost"),
        }))
    }

    /// Signs a registry act with the authority key.
    pub fn by_authority(&self, body: ActBody) -> SignedAct {
        SignedAct::sign(body, &[&self.authority]).expect("fixture registry acts are valid")
    }

    /// The registry acts enrolling everyone.
    pub fn registry_acts(&self) -> Vec<SignedAct> {
        self.enrolled().iter().map(|p| self.enrollment(p)).collect()
    }

    /// The registry with everyone enrolled.
    pub fn registry(&self) -> Registry {
        let acts = self.registry_acts();
        let (registry, rejected) = Registry::from_acts(self.authority_id(), &acts);
        assert!(
            rejected.is_empty(),
            "fixture enrollments hold: {rejected:?}"
        );
        registry
    }

    /// Signs `body` by `signers`, in order.
    pub fn sign(&self, body: ActBody, signers: &[&Person]) -> SignedAct {
        let keys: Vec<&SigningKey> = signers.iter().map(|p| &p.key).collect();
        SignedAct::sign(body, &keys).expect("fixture acts are valid")
    }

    /// The registration body at the airport post: 1250.35 ct of rough diamonds in one sealed
    /// safe-bag, with a Kimberley Process certificate, due at the Department within 8 hours.
    pub fn registration_body(&self) -> ConsignmentRegistered {
        ConsignmentRegistered {
            consignment: self.consignment.clone(),
            at: self.t(0),
            officer: self.airport_officer.id.clone(),
            declaration: text("10609050/231126/0000123"),
            direction: Direction::Import,
            consignor: Trader {
                name: text("Antwerp Rough Trading NV"),
                country: CountryCode::new("BE").expect("valid"),
                registration: None,
            },
            consignee: Trader {
                name: text("Kyrgyz Diamond Processing LLC"),
                country: CountryCode::new("KG").expect("valid"),
                registration: Some(text("INN 01203200710042")),
            },
            goods: vec![GoodsLine {
                hs_code: HsCode::new("7102310000").expect("valid"),
                description: text("Rough diamonds, non-industrial, unworked"),
                quantity: Quantity {
                    value: parse_decimal("1250.35").expect("valid"),
                    unit: QuantityUnit::Ct,
                },
                net_mass: Mass::new("1250.35", MassUnit::Ct).expect("valid"),
                gross_mass: Mass::new("0.412", MassUnit::Kg).expect("valid"),
                value: Money {
                    amount: parse_decimal("1875525.00").expect("valid"),
                    currency: CurrencyCode::new("USD").expect("valid"),
                },
            }],
            packages: 1,
            certificates: vec![Certificate {
                kind: CertificateKind::KimberleyProcess,
                number: text("BE 0417733"),
                issued_by: CountryCode::new("BE").expect("valid"),
                issued_at: at("2026-11-20T00:00:00Z"),
            }],
            office_of_departure: unit(AIRPORT_POST),
            office_of_destination: unit(DEPARTMENT),
            route: vec![unit(AIRPORT_POST), unit(DEPARTMENT)],
            delivery_deadline: self.t(8 * 60),
        }
    }

    /// The signed registration.
    pub fn registration(&self) -> SignedAct {
        self.sign(
            ActBody::ConsignmentRegistered(self.registration_body()),
            &[&self.airport_officer],
        )
    }

    /// The safe-bag sealed at the airport post.
    pub fn seal_applied(&self) -> SignedAct {
        self.sign(
            ActBody::SealApplied(SealApplied {
                consignment: self.consignment.clone(),
                at: self.t(10),
                officer: self.airport_officer.id.clone(),
                place: Place::Post {
                    unit: unit(AIRPORT_POST),
                },
                seal: self.seal.clone(),
                seal_kind: SealKind::Mechanical,
                fixed_on: text("safe-bag, one place"),
            }),
            &[&self.airport_officer],
        )
    }

    /// The escort crew assigned.
    pub fn escort_assigned(&self) -> SignedAct {
        self.sign(
            ActBody::EscortAssigned(EscortAssigned {
                consignment: self.consignment.clone(),
                at: self.t(15),
                officer: self.airport_officer.id.clone(),
                place: Place::Post {
                    unit: unit(AIRPORT_POST),
                },
                escort_unit: unit(ESCORT_UNIT),
                vehicle: text("01 KG 777 ABC"),
                officer_in_charge: self.escort_lead.id.clone(),
                crew: vec![self.escort_lead.id.clone(), self.escort_second.id.clone()],
            }),
            &[&self.airport_officer],
        )
    }

    /// The seals as the story's officers see them at handoffs: the one seal, intact.
    pub fn intact_seals(&self) -> Vec<SealObservation> {
        vec![SealObservation {
            seal: self.seal.clone(),
            state: SealState::Intact,
        }]
    }

    /// The body of a handoff in the story, with the registered count.
    pub fn transfer_body(
        &self,
        minutes: i64,
        place: &str,
        previous: Option<ActId>,
        from: &Person,
        to: &Person,
    ) -> CustodyTransferred {
        CustodyTransferred {
            consignment: self.consignment.clone(),
            at: self.t(minutes),
            place: Place::Post { unit: unit(place) },
            previous,
            releasing: from.custodian(),
            receiving: to.custodian(),
            seals: self.intact_seals(),
            packages: 1,
            gross_mass: Mass::new("0.412", MassUnit::Kg).expect("valid"),
        }
    }

    /// What a receiving officer counts when everything is as registered.
    pub fn registered_count(&self) -> Count {
        Count {
            seals: self.intact_seals(),
            packages: 1,
            gross_mass: Mass::new("0.412", MassUnit::Kg).expect("valid"),
        }
    }

    /// A handoff signed by both sides directly (the offer flow is tested on its own).
    pub fn transfer(&self, body: CustodyTransferred, from: &Person, to: &Person) -> SignedAct {
        self.sign(ActBody::CustodyTransferred(body), &[from, to])
    }

    /// The handoff from the airport post to the escort crew, through the offer flow.
    pub fn handoff_to_escort(&self, known: &[SignedAct]) -> SignedAct {
        let body = self.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &self.airport_officer,
            &self.escort_lead,
        );
        let offer = CustodyOffer::create(body, &self.airport_officer.key).expect("valid offer");
        offer
            .review(
                &self.registry(),
                known,
                &self.registered_count(),
                &self.escort_lead.id,
                self.t(31),
                &Default::default(),
            )
            .expect("the escort accepts the offer")
            .countersign(&self.escort_lead.key)
            .expect("countersigned")
    }

    /// Positions reported by the vehicle on the way.
    pub fn positions(&self) -> SignedAct {
        let fix = |minutes: i64, lat: &str, lon: &str| Position {
            at: self.t(minutes),
            coordinates: Coordinates {
                latitude: parse_decimal(lat).expect("valid"),
                longitude: parse_decimal(lon).expect("valid"),
            },
        };
        self.sign(
            ActBody::PositionReported(PositionReported {
                consignment: self.consignment.clone(),
                at: self.t(70),
                officer: self.vehicle_device.id.clone(),
                positions: vec![
                    fix(40, "43.0612", "74.4776"),
                    fix(55, "42.9378", "74.5512"),
                    fix(70, "42.8746", "74.6122"),
                ],
            }),
            &[&self.vehicle_device],
        )
    }

    /// The seal checked at a roadside stop, in `state`.
    pub fn seal_checked(&self, minutes: i64, state: SealState) -> SignedAct {
        self.sign(
            ActBody::SealChecked(SealChecked {
                consignment: self.consignment.clone(),
                at: self.t(minutes),
                officer: self.escort_second.id.clone(),
                place: Place::Road {
                    description: text("Bishkek ring road, km 14, fuel stop"),
                    coordinates: None,
                },
                seal: self.seal.clone(),
                state,
                note: None,
            }),
            &[&self.escort_second],
        )
    }

    /// Arrival notified at the Department.
    pub fn arrival(&self, arrived: i64, notified: i64) -> SignedAct {
        self.sign(
            ActBody::ArrivalNotified(ArrivalNotified {
                consignment: self.consignment.clone(),
                at: self.t(notified),
                officer: self.escort_lead.id.clone(),
                place: Place::Post {
                    unit: unit(DEPARTMENT),
                },
                arrived_at: self.t(arrived),
                working_hours_began_at: None,
            }),
            &[&self.escort_lead],
        )
    }

    /// Delivery at the Department.
    pub fn delivered(&self, minutes: i64) -> SignedAct {
        self.sign(
            ActBody::ConsignmentDelivered(ConsignmentDelivered {
                consignment: self.consignment.clone(),
                at: self.t(minutes),
                officer: self.department_officer.id.clone(),
                place: Place::Post {
                    unit: unit(DEPARTMENT),
                },
                seals: self.intact_seals(),
                packages: 1,
                gross_mass: Mass::new("0.412", MassUnit::Kg).expect("valid"),
            }),
            &[&self.department_officer],
        )
    }

    /// The whole delivery, act by act, as it should go.
    pub fn clean_delivery(&self) -> Vec<SignedAct> {
        let mut acts = vec![
            self.registration(),
            self.seal_applied(),
            self.escort_assigned(),
        ];
        let first = self.handoff_to_escort(&acts);
        let first_id = first.id();
        acts.push(first);
        acts.push(self.positions());
        acts.push(self.seal_checked(60, SealState::Intact));
        acts.push(self.arrival(95, 100));
        acts.push(self.transfer(
            self.transfer_body(
                105,
                DEPARTMENT,
                Some(first_id),
                &self.escort_lead,
                &self.department_officer,
            ),
            &self.escort_lead,
            &self.department_officer,
        ));
        acts.push(self.delivered(110));
        acts
    }

    /// A time after the whole story, for assessing it.
    pub fn after(&self) -> Timestamp {
        self.t(120)
    }
}
