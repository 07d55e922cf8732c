//! The log's Merkle tree, hashed as Certificate Transparency hashes it (RFC 6962 §2.1, RFC 9162
//! §2.1): a leaf is `SHA-256(0x00 ‖ entry)`, an inner node `SHA-256(0x01 ‖ left ‖ right)`, the
//! tree over `n` leaves splits at the largest power of two below `n`.
//!
//! Proofs are made from the hashes of complete subtrees ([`Nodes`]: the node at `level` and
//! `index` covers leaves `index·2^level .. (index+1)·2^level`), which a log keeps as it appends
//! ([`appended`]), so a proof costs O(log n) reads at any size. Verification
//! ([`verify_inclusion`], [`verify_consistency`]) follows RFC 9162 §2.1.3.2 and §2.1.4.2 step by
//! step and needs nothing but the proof.

use super::{Hash, LogError};
use sha2::{Digest, Sha256};

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A leaf's hash: `SHA-256(0x00 ‖ entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// An inner node's hash: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The hashes of complete subtrees of a log, as stored: level 0 is the leaves' hashes.
pub trait Nodes {
    /// Why a node could not be read.
    type Error;
    /// The hash of the complete subtree at `level` and `index`, which the caller only asks for
    /// when it lies wholly within the tree.
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// The largest power of two strictly below `n` (`n` ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The Merkle tree hash of leaves `start..end` (`start < end`), from complete subtrees: an
/// aligned power-of-two range is one stored node, anything else splits as RFC 6962 splits it.
pub fn range_hash<N: Nodes>(nodes: &N, start: u64, end: u64) -> Result<Hash, N::Error> {
    let n = end - start;
    if n.is_power_of_two() && start.is_multiple_of(n) {
        return nodes.node(n.trailing_zeros(), start / n);
    }
    let k = split(n);
    let left = range_hash(nodes, start, start + k)?;
    let right = range_hash(nodes, start + k, end)?;
    Ok(node_hash(&left, &right))
}

/// The root of the tree of the first `size` leaves.
pub fn root<N: Nodes>(nodes: &N, size: u64) -> Result<Hash, N::Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_hash(nodes, 0, size)
}

/// The nodes to store when the leaf with hash `leaf` is appended at `index` (the log held
/// `index` leaves before): the leaf itself, then each subtree it completes, lowest first.
pub fn appended<N: Nodes>(
    nodes: &N,
    index: u64,
    leaf: Hash,
) -> Result<Vec<(u32, u64, Hash)>, N::Error> {
    let mut out = vec![(0, index, leaf)];
    let (mut level, mut at, mut hash) = (0u32, index, leaf);
    while at % 2 == 1 {
        let left = nodes.node(level, at - 1)?;
        hash = node_hash(&left, &hash);
        level += 1;
        at /= 2;
        out.push((level, at, hash));
    }
    Ok(out)
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 6962 §2.1.1's
/// `PATH`), from the leaf upward.
pub fn inclusion_proof<N: Nodes>(nodes: &N, index: u64, size: u64) -> Result<Vec<Hash>, N::Error> {
    let mut path = Vec::new();
    // Walk down from the whole tree, collecting the sibling of each half the leaf is in; the
    // path is read leaf-first, so the collected hashes are reversed at the end.
    let (mut start, mut end, mut m) = (0u64, size, index);
    while end - start > 1 {
        let k = split(end - start);
        if m < k {
            path.push(range_hash(nodes, start + k, end)?);
            end = start + k;
        } else {
            path.push(range_hash(nodes, start, start + k)?);
            start += k;
            m -= k;
        }
    }
    path.reverse();
    Ok(path)
}

/// The consistency proof between the trees of `old` and `new` leaves, `0 < old ≤ new`
/// (RFC 6962 §2.1.2's `PROOF`); empty when `old == new`.
pub fn consistency_proof<N: Nodes>(nodes: &N, old: u64, new: u64) -> Result<Vec<Hash>, N::Error> {
    let mut path = Vec::new();
    if old == 0 || old >= new {
        return Ok(path);
    }
    // SUBPROOF(m, D[start..end], whole) walked iteratively.
    let (mut start, mut end, mut m, mut whole) = (0u64, new, old, true);
    loop {
        let n = end - start;
        if m == n {
            if !whole {
                path.push(range_hash(nodes, start, end)?);
            }
            break;
        }
        let k = split(n);
        if m <= k {
            path.push(range_hash(nodes, start + k, end)?);
            end = start + k;
        } else {
            path.push(range_hash(nodes, start, start + k)?);
            start += k;
            m -= k;
            whole = false;
        }
    }
    path.reverse();
    Ok(path)
}

/// Checks that `leaf` is at `index` in the tree of `size` leaves whose root is `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    path: &[Hash],
    root: &Hash,
) -> Result<(), LogError> {
    if index >= size {
        return Err(LogError::Proof(format!(
            "leaf {index} is not in a tree of {size} leaves"
        )));
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s == 0 {
            return Err(LogError::Proof(
                "the inclusion proof is longer than the tree is deep".into(),
            ));
        }
        if f % 2 == 1 || f == s {
            r = node_hash(p, &r);
            if f % 2 == 0 {
                while f % 2 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(LogError::Proof(
            "the inclusion proof is shorter than the tree is deep".into(),
        ));
    }
    if &r != root {
        return Err(LogError::Proof(
            "the inclusion proof does not lead to the tree head's root".into(),
        ));
    }
    Ok(())
}

/// Checks that the tree of `new` leaves with root `new_root` extends the tree of `old` leaves
/// with root `old_root` (RFC 9162 §2.1.4.2). A tree extends the empty tree with an empty
/// proof; a tree of the same size must have the same root and an empty proof.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    path: &[Hash],
) -> Result<(), LogError> {
    if old > new {
        return Err(LogError::Proof(format!(
            "a tree of {new} leaves cannot extend one of {old}"
        )));
    }
    if old == new {
        if !path.is_empty() {
            return Err(LogError::Proof(
                "a consistency proof between trees of one size must be empty".into(),
            ));
        }
        if old_root != new_root {
            return Err(LogError::Fork(format!(
                "two tree heads of {old} leaves with different roots"
            )));
        }
        return Ok(());
    }
    if old == 0 {
        if !path.is_empty() {
            return Err(LogError::Proof(
                "a consistency proof from the empty tree must be empty".into(),
            ));
        }
        return Ok(());
    }
    if path.is_empty() {
        return Err(LogError::Proof("the consistency proof is empty".into()));
    }
    let mut proof: Vec<Hash> = Vec::with_capacity(path.len() + 1);
    if old.is_power_of_two() {
        proof.push(*old_root);
    }
    proof.extend_from_slice(path);
    let (mut f, mut s) = (old - 1, new - 1);
    while f % 2 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (proof[0], proof[0]);
    for c in &proof[1..] {
        if s == 0 {
            return Err(LogError::Proof(
                "the consistency proof is longer than the tree is deep".into(),
            ));
        }
        if f % 2 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f % 2 == 0 {
                while f % 2 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(LogError::Proof(
            "the consistency proof is shorter than the tree is deep".into(),
        ));
    }
    if &fr != old_root || &sr != new_root {
        return Err(LogError::Fork(format!(
            "the tree of {new} leaves does not extend the tree of {old} leaves held"
        )));
    }
    Ok(())
}

/// A whole log in memory: for tests, vectors and evidence made without a store.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Leaves held.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash; returns its index.
    pub fn push(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        let added = appended(self, index, leaf).expect("a memory tree holds every node");
        for (level, at, hash) in added {
            let level = level as usize;
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            debug_assert_eq!(self.levels[level].len() as u64, at);
            self.levels[level].push(hash);
        }
        index
    }

    /// The root over the first `size` leaves.
    pub fn root(&self, size: u64) -> Hash {
        root(self, size).expect("a memory tree holds every node")
    }

    /// [`inclusion_proof`].
    pub fn inclusion(&self, index: u64, size: u64) -> Vec<Hash> {
        inclusion_proof(self, index, size).expect("a memory tree holds every node")
    }

    /// [`consistency_proof`].
    pub fn consistency(&self, old: u64, new: u64) -> Vec<Hash> {
        consistency_proof(self, old, new).expect("a memory tree holds every node")
    }
}

impl Nodes for MemoryTree {
    type Error = std::convert::Infallible;
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        Ok(self.levels[level as usize][index as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962's definitions, written as they read: the reference the stored-node code is
    /// checked against.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let k = split(n as u64) as usize;
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    fn subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if whole { vec![] } else { vec![mth(leaves)] };
        }
        let k = split(n as u64) as usize;
        if m <= k {
            let mut p = subproof(m, &leaves[..k], whole);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = subproof(m - k, &leaves[k..], false);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn roots_and_proofs_agree_with_the_definitions_and_verify() {
        let all = leaves(70);
        let mut tree = MemoryTree::new();
        for (i, leaf) in all.iter().enumerate() {
            assert_eq!(tree.push(*leaf), i as u64);
        }
        for n in 0..=70usize {
            assert_eq!(tree.root(n as u64), mth(&all[..n]), "root of {n}");
            for m in 0..n {
                let p = tree.inclusion(m as u64, n as u64);
                assert_eq!(p, path(m, &all[..n]), "path of {m} in {n}");
                verify_inclusion(&all[m], m as u64, n as u64, &p, &tree.root(n as u64)).unwrap();
            }
            for m in 1..n {
                let p = tree.consistency(m as u64, n as u64);
                assert_eq!(p, subproof(m, &all[..n], true), "proof {m} to {n}");
                verify_consistency(
                    m as u64,
                    n as u64,
                    &tree.root(m as u64),
                    &tree.root(n as u64),
                    &p,
                )
                .unwrap();
            }
        }
    }

    #[test]
    fn a_proof_for_another_leaf_size_or_root_is_refused() {
        let all = leaves(13);
        let mut tree = MemoryTree::new();
        for leaf in &all {
            tree.push(*leaf);
        }
        let root = tree.root(13);
        let p = tree.inclusion(5, 13);
        // Another act's leaf, another index, another size, a cut or padded path, a changed hash.
        assert!(verify_inclusion(&all[6], 5, 13, &p, &root).is_err());
        assert!(verify_inclusion(&all[5], 4, 13, &p, &root).is_err());
        // (A size of the same shape, 12, yields the same root: the size is the signed head's.)
        assert!(verify_inclusion(&all[5], 5, 8, &p, &root).is_err());
        assert!(verify_inclusion(&all[5], 5, 13, &p[..p.len() - 1], &root).is_err());
        let mut longer = p.clone();
        longer.push(root);
        assert!(verify_inclusion(&all[5], 5, 13, &longer, &root).is_err());
        let mut changed = p.clone();
        changed[1][0] ^= 1;
        assert!(verify_inclusion(&all[5], 5, 13, &changed, &root).is_err());
        assert!(verify_inclusion(&all[5], 13, 13, &[], &root).is_err());
        // Consistency: a rewritten history (another leaf 3) does not extend the old tree.
        let old_root = tree.root(7);
        let c = tree.consistency(7, 13);
        verify_consistency(7, 13, &old_root, &root, &c).unwrap();
        let mut forked = MemoryTree::new();
        for (i, leaf) in all.iter().enumerate() {
            forked.push(if i == 3 {
                leaf_hash(b"rewritten")
            } else {
                *leaf
            });
        }
        let fc = forked.consistency(7, 13);
        assert!(matches!(
            verify_consistency(7, 13, &old_root, &forked.root(13), &fc),
            Err(LogError::Fork(_) | LogError::Proof(_))
        ));
        assert!(matches!(
            verify_consistency(7, 7, &old_root, &forked.root(7), &[]),
            Err(LogError::Fork(_))
        ));
        assert!(verify_consistency(7, 13, &old_root, &root, &c[1..]).is_err());
        assert!(verify_consistency(13, 7, &root, &old_root, &[]).is_err());
        assert!(verify_consistency(0, 13, &empty_root(), &root, &[]).is_ok());
    }
}
