//! Schemas for the OpenAPI description of the local API (`api::openapi`) where an answer or a
//! form is a type of the acts' own crate (a mass, a seal seen, a severity, a zone) or a free
//! form: what the JSON looks like, for the description only. Nothing here is sent or read.

use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// A zone at an instant, as `GET /api/status` gives it.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ZoneAtSchema {
    /// The IANA name, like `Asia/Bishkek`.
    name: String,
    /// The offset from UTC now, like `+06:00`.
    offset: String,
    /// The same in seconds east of UTC.
    offset_seconds: i32,
}

/// A mass with its unit, exact: `{"value": "0.412", "unit": "kg"}`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MassSchema {
    /// The decimal, as a string.
    value: String,
    /// kg, g or ct.
    unit: MassUnitSchema,
}

/// The unit a mass is weighed in.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum MassUnitSchema {
    /// Kilograms.
    Kg,
    /// Grams.
    G,
    /// Metric carats.
    Ct,
}

/// What an officer saw of one seal.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SealObservationSchema {
    /// The seal's number.
    seal: String,
    /// intact, damaged or missing.
    state: SealStateSchema,
}

/// The state of a seal as an officer found it.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SealStateSchema {
    /// In place and undamaged.
    Intact,
    /// In place but damaged.
    Damaged,
    /// Not there.
    Missing,
}

/// How much a discrepancy matters.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SeveritySchema {
    /// Act now.
    Critical,
    /// Staff must look at it.
    Major,
    /// Worth noting.
    Minor,
}

/// An object with the given string properties required and any others allowed.
fn open_object(description: &str, properties: &[(&str, &str, bool)]) -> RefOr<Schema> {
    let mut object = ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Object))
        .description(Some(description))
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(true)));
    for (name, about, required) in properties {
        object = object.property(
            *name,
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::String))
                .description(Some(*about)),
        );
        if *required {
            object = object.required(*name);
        }
    }
    object.into()
}

/// An act's form: the act's JSON body (`docs/act-format.md`) without `at`, plus `pin`.
pub struct ActForm;

impl PartialSchema for ActForm {
    fn schema() -> RefOr<Schema> {
        open_object(
            "The act's JSON body without `at` (the node sets it), plus the signing officer's PIN; the signer is the act's own `officer`",
            &[
                ("kind", "The act's kind (consignment_registered, seal_applied, ...)", true),
                ("pin", "The signing officer's PIN", true),
            ],
        )
    }
}

impl ToSchema for ActForm {}

/// An offer's form: the handoff's body without `at` and `previous`, the PIN, where to send it.
pub struct OfferForm;

impl PartialSchema for OfferForm {
    fn schema() -> RefOr<Schema> {
        open_object(
            "The custody_transferred body without `at` and `previous` (the node fills them in), the releasing officer's PIN, and optionally the peer to send the offer to",
            &[
                ("consignment", "The consignment's number", true),
                ("pin", "The releasing officer's PIN", true),
                ("send_to", "A configured peer's name: the offer is sent there over the LAN", false),
            ],
        )
    }
}

impl ToSchema for OfferForm {}
