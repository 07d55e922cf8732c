//! Exact numbers: masses, quantities, money and coordinates as `rust_decimal`, written in acts
//! as decimal strings (`"12.50"`), never as JSON numbers or floats.
//!
//! A decimal string has one spelling: an optional minus, digits without leading zeros, and an
//! optional point followed by at least one digit. Trailing zeros are kept, because they state
//! the precision of a weighing (`"0.50"` carats is not the same record as `"0.5"`).

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a decimal string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad decimal {given:?}: expected digits with an optional point, like \"12.50\" (no exponent, no '+', no leading zeros, at most 28 decimal places)")]
pub struct DecimalError {
    /// The text given (cut to 64 characters).
    pub given: String,
}

/// Parses the one accepted decimal spelling.
pub fn parse_decimal(text: &str) -> Result<Decimal, DecimalError> {
    let err = || DecimalError {
        given: text.chars().take(64).collect(),
    };
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let whole_ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && !(whole.len() > 1 && whole.starts_with('0'));
    let fraction_ok = fraction
        .map(|f| !f.is_empty() && f.len() <= 28 && f.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(true);
    if !whole_ok || !fraction_ok {
        return Err(err());
    }
    let value = Decimal::from_str_exact(text).map_err(|_| err())?;
    // "-0" and "-0.00" parse but print without the sign: one spelling per value and scale.
    if value.to_string() != text {
        return Err(err());
    }
    Ok(value)
}

/// Serde glue for a `Decimal` field written as a decimal string.
pub mod decimal_string {
    use super::*;

    /// Writes the decimal with its scale, like `"12.50"`.
    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }

    /// Reads a decimal string strictly (see [`parse_decimal`]).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(d)?;
        parse_decimal(&text).map_err(serde::de::Error::custom)
    }
}

/// The unit a mass is weighed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MassUnit {
    /// Kilograms: gross mass of packages.
    Kg,
    /// Grams: precious metals.
    G,
    /// Metric carats (exactly 0.2 g): precious stones.
    Ct,
}

impl MassUnit {
    /// Grams in one of this unit, exactly.
    fn grams(self) -> Decimal {
        match self {
            MassUnit::Kg => Decimal::new(1000, 0),
            MassUnit::G => Decimal::ONE,
            MassUnit::Ct => Decimal::new(2, 1),
        }
    }

    /// The unit's symbol, for people.
    pub fn symbol(self) -> &'static str {
        match self {
            MassUnit::Kg => "kg",
            MassUnit::G => "g",
            MassUnit::Ct => "ct",
        }
    }
}

/// A mass with its unit, exact.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mass {
    /// How much.
    #[serde(with = "decimal_string")]
    pub value: Decimal,
    /// In what unit.
    pub unit: MassUnit,
}

impl Mass {
    /// A mass of `value` (a decimal string) in `unit`.
    pub fn new(value: &str, unit: MassUnit) -> Result<Self, DecimalError> {
        Ok(Mass {
            value: parse_decimal(value)?,
            unit,
        })
    }

    /// The same mass in grams, exactly; `None` on overflow.
    pub fn in_grams(&self) -> Option<Decimal> {
        self.value.checked_mul(self.unit.grams())
    }

    /// `value unit`, for people.
    pub fn for_people(&self) -> String {
        format!("{} {}", self.value, self.unit.symbol())
    }
}

/// The unit goods are counted or measured in, besides mass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuantityUnit {
    /// Metric carats.
    Ct,
    /// Grams.
    G,
    /// Kilograms.
    Kg,
    /// Pieces (stones, bars, items).
    Pcs,
}

/// A quantity of goods in a goods line, exact.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    /// How much.
    #[serde(with = "decimal_string")]
    pub value: Decimal,
    /// In what unit.
    pub unit: QuantityUnit,
}

/// An amount of money with its ISO 4217 currency, exact.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// How much.
    #[serde(with = "decimal_string")]
    pub amount: Decimal,
    /// Which currency.
    pub currency: crate::codes::CurrencyCode,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_their_scale() {
        assert_eq!(parse_decimal("12.50").unwrap().to_string(), "12.50");
        assert_eq!(parse_decimal("0").unwrap(), Decimal::ZERO);
        assert_eq!(parse_decimal("-3.1").unwrap().to_string(), "-3.1");
    }

    #[test]
    fn decimals_have_one_spelling() {
        for bad in [
            "",
            "1e5",
            "+1",
            "01",
            "1.",
            ".5",
            "-0",
            "-0.00",
            "1,5",
            " 1",
            "1 ",
            "NaN",
            "0x10",
            "1.00000000000000000000000000001",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn masses_convert_exactly() {
        let stones = Mass::new("1250.35", MassUnit::Ct).unwrap();
        assert_eq!(stones.in_grams().unwrap().to_string(), "250.070");
        let bag = Mass::new("1.205", MassUnit::Kg).unwrap();
        assert_eq!(bag.in_grams().unwrap().to_string(), "1205.000");
    }
}
