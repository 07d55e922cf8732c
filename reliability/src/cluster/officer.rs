//! An officer of a post recording acts through the CLI, as the suite's load.

use super::*;

/// A post's officer at work: registers consignments, seals them, checks seals on any
/// consignment the post holds (its own and those that came by sync, so both posts change the
/// same documents). Deterministic from its seed.
pub struct Officer {
    rng: fastrand::Rng,
    next: u64,
    own: Vec<String>,
    checks: u64,
}

impl Officer {
    /// An officer of `edge`, drawing from `seed`, registering from number `from`.
    pub fn new(seed: u64, from: u64) -> Officer {
        Officer {
            rng: fastrand::Rng::with_seed(seed),
            next: from,
            own: Vec::new(),
            checks: 0,
        }
    }

    /// Records one act on `edge` through the CLI; `known` are consignments the post may hold.
    /// The acknowledgement, or the failed command.
    pub fn act(&mut self, edge: &Edge, known: &[String]) -> Result<Ack, Out> {
        let choice = self.rng.u32(0..10);
        let (doc, form, registering) = if self.own.is_empty() || choice < 2 {
            let c = consignment(self.next);
            (c.clone(), edge.registration(self.next), true)
        } else if choice < 4 {
            let c = self.rng.choice(&self.own).expect("not empty").clone();
            (c.clone(), edge.seal_applied(&c), false)
        } else {
            let mine: Vec<String> = known
                .iter()
                .filter(|c| in_scope(&edge.name, c))
                .cloned()
                .collect();
            let pool = if mine.is_empty() || self.rng.bool() {
                &self.own
            } else {
                &mine
            };
            let c = self.rng.choice(pool).expect("not empty").clone();
            self.checks += 1;
            let note = format!("{} check {}", edge.name, self.checks);
            (c.clone(), edge.seal_checked(&c, &note), false)
        };
        let act = edge.record(form)?;
        if registering {
            self.own.push(doc.clone());
            self.next += 1;
        }
        Ok(Ack {
            node: edge.name.clone(),
            doc,
            act,
        })
    }
}

impl Officer {
    /// Records a seal check on one of `pool` (which must not be empty) on `edge`.
    pub fn check_one_of(&mut self, edge: &Edge, pool: &[String]) -> Result<Ack, Out> {
        let c = self
            .rng
            .choice(pool)
            .expect("a consignment to check")
            .clone();
        self.checks += 1;
        let note = format!("{} check {}", edge.name, self.checks);
        let act = edge.record(edge.seal_checked(&c, &note))?;
        Ok(Ack {
            node: edge.name.clone(),
            doc: c,
            act,
        })
    }
}
