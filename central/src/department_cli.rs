//! `tamga-central department-figures`: the Precious Metals Department's signed figures for a
//! period, compared with central's reconciliation (`docs/department-figures.md`).

use clap::Subcommand;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tamga_central::admin::Admin;
use tamga_central::department::{compare_with_central, Compared, MAX_FILE_BYTES};
use tamga_core::Timestamp;

#[derive(Subcommand)]
pub enum DepartmentCommand {
    /// Verify a figures file the Department signed ({"figures": {...}, "signed_by": "<key>",
    /// "signature": "<hex>"}, by a key enrolled as precious_metals_officer now) and list every
    /// difference from central's reconciliation for its period: rows on one side only, and each
    /// field that differs, with both values. Exit 0 with or without differences ("no
    /// differences"), 1 if the file is refused.
    Compare {
        /// The signed figures file.
        #[arg(long)]
        file: PathBuf,
    },
}

pub fn department_command(
    dir: &Path,
    command: DepartmentCommand,
    json: bool,
) -> Result<String, String> {
    let DepartmentCommand::Compare { file } = command;
    let bytes = tamga_node::files::read_limited(&file, MAX_FILE_BYTES as u64)
        .map_err(|e| format!("{}: refused: {e}; nothing was compared", file.display()))?;
    let refused = |e: String| format!("{}: {e}", file.display());
    // Central opened here, or the running server's index while it holds the store.
    let compared: Compared = match Admin::open(dir)? {
        Admin::Local(central) => compare_with_central(&central, &bytes, Timestamp::now())
            .map_err(|e| refused(format!("{e}; nothing was compared")))?,
        Admin::Remote(info) => {
            Admin::post(&info, "/api/reports/department", bytes).map_err(refused)?
        }
    };
    let Compared {
        signed_by,
        holder,
        unit,
        comparison,
    } = &compared;
    if json {
        return Ok(crate::to_json(&compared));
    }
    let mut answer = String::new();
    say!(
        answer,
        "figures of {} to {}, signed by {holder} ({unit}, key {signed_by})",
        comparison.from.for_people(),
        comparison.until.for_people()
    );
    say!(
        answer,
        "the Department's {} rows against central's {} import and export rows",
        comparison.department_rows,
        comparison.central_rows
    );
    if comparison.differences.is_empty() {
        say!(answer, "no differences");
    } else {
        say!(answer, "{} differences:", comparison.differences.len());
        for d in &comparison.differences {
            say!(answer, "  {}", d.for_people());
        }
    }
    for s in &comparison.skipped {
        say!(
            answer,
            "left out of central's figures: {} ({})",
            s.consignment,
            s.reason
        );
    }
    Ok(answer)
}
