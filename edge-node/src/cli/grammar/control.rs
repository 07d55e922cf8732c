//! `tamga-edge control ...`: the commands of the work that follows the arrival of precious
//! goods (run by [`crate::cli::control`]).

use super::Who;

/// The commands of `control`.
#[derive(clap::Subcommand)]
pub enum ControlCommand {
    /// Notify the Precious Metals Department that rough diamonds arrived (due within one day of
    /// their arrival): an officer of the office of departure.
    NotifyDepartment {
        #[command(flatten)]
        who: Who,
        /// The notice's number, or how it was sent.
        #[arg(long)]
        reference: String,
    },
    /// The Department's expertise concluded (due within three working days of delivery).
    Expertise {
        #[command(flatten)]
        who: Who,
        /// The expert conclusion's number.
        #[arg(long)]
        conclusion: String,
    },
    /// The State Control Act drawn up (due within one working day of the expertise): whether
    /// the goods conform to the contract and the documents.
    StateControlAct {
        #[command(flatten)]
        who: Who,
        /// Its number in the register of acts.
        #[arg(long)]
        register_number: String,
        /// `yes` if the goods conform, `no` if they do not (they are then sent back).
        #[arg(long, value_parser = ["yes", "no"])]
        goods_conform: String,
    },
    /// The certificates the Department issued for the consignment (on export, its notice to
    /// customs, due within one day of issue).
    CertificatesIssued {
        #[command(flatten)]
        who: Who,
        /// A State Control Certificate as NUMBER@YYYY-MM-DD (its date of issue); repeat.
        #[arg(long = "scc")]
        scc: Vec<String>,
        /// A Kimberley Process certificate as NUMBER@YYYY-MM-DD; repeat.
        #[arg(long = "kpc")]
        kpc: Vec<String>,
    },
    /// Send a damaged KP certificate back for a duplicate (due within five working days of the
    /// damage being found).
    ReturnKpc {
        #[command(flatten)]
        who: Who,
        /// The certificate's number.
        #[arg(long)]
        certificate: String,
        /// When the damage was found (UTC, like 2026-11-23T08:30:00Z).
        #[arg(long)]
        found_damaged_at: String,
        /// What is wrong with it (erasures, stains, an uncertified correction, ...).
        #[arg(long)]
        damage: String,
    },
    /// Return a KP certificate's import confirmation coupon to the exporting authority (due
    /// within the deployment's period after delivery, 30 days by default).
    ReturnCoupon {
        #[command(flatten)]
        who: Who,
        /// The certificate's number.
        #[arg(long)]
        certificate: String,
        /// The exporting authority it goes to.
        #[arg(long)]
        sent_to: String,
    },
}
