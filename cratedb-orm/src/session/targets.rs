//! [`Targets`]: the entries a batch writes, by index, in order, kept as runs of consecutive
//! indexes: the chunks of a large insert of models added one after another take no memory
//! per row.

use std::ops::Range;

/// Entry indexes, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Targets {
    runs: Vec<Range<usize>>,
    len: usize,
}

impl Targets {
    /// One entry.
    pub fn one(index: usize) -> Self {
        let mut targets = Targets::default();
        targets.push(index);
        targets
    }

    /// Adds `index` at the end.
    pub fn push(&mut self, index: usize) {
        match self.runs.last_mut() {
            Some(run) if run.end == index => run.end += 1,
            _ => self.runs.push(index..index + 1),
        }
        self.len += 1;
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The indexes, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.runs.iter().flat_map(Clone::clone)
    }

    /// The first `at` entries and the rest.
    pub fn split_at(&self, at: usize) -> (Targets, Targets) {
        let mut head = Targets::default();
        let mut tail = Targets::default();
        for (k, index) in self.iter().enumerate() {
            if k < at {
                head.push(index);
            } else {
                tail.push(index);
            }
        }
        (head, tail)
    }

    /// Consecutive pieces of at most `size` entries each.
    pub fn chunks(&self, size: usize) -> Vec<Targets> {
        let size = size.max(1);
        let mut out: Vec<Targets> = Vec::new();
        for run in &self.runs {
            let mut start = run.start;
            while start < run.end {
                let last = match out.last_mut() {
                    Some(last) if last.len < size => last,
                    _ => {
                        out.push(Targets::default());
                        match out.last_mut() {
                            Some(last) => last,
                            None => return out,
                        }
                    }
                };
                let end = run.end.min(start + (size - last.len));
                match last.runs.last_mut() {
                    Some(r) if r.end == start => r.end = end,
                    _ => last.runs.push(start..end),
                }
                last.len += end - start;
                start = end;
            }
        }
        out
    }
}

impl FromIterator<usize> for Targets {
    fn from_iter<I: IntoIterator<Item = usize>>(iter: I) -> Self {
        let mut targets = Targets::default();
        for index in iter {
            targets.push(index);
        }
        targets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_chunk_and_split_like_the_indexes() {
        let indexes: Vec<usize> = (0..25).chain(40..47).chain([50, 52, 53]).collect();
        let targets: Targets = indexes.iter().copied().collect();
        assert_eq!(targets.len(), indexes.len());
        assert_eq!(targets.runs.len(), 4);
        assert!(targets.iter().eq(indexes.iter().copied()));
        for size in [1, 3, 10, 25, 100] {
            let chunks = targets.chunks(size);
            let flat: Vec<usize> = chunks.iter().flat_map(Targets::iter).collect();
            assert_eq!(flat, indexes);
            assert!(chunks.iter().all(|c| c.len() <= size && !c.is_empty()));
            assert_eq!(chunks.len(), indexes.len().div_ceil(size));
        }
        let (a, b) = targets.split_at(26);
        assert_eq!(a.len(), 26);
        assert!(a.iter().chain(b.iter()).eq(indexes.iter().copied()));
        // A million consecutive indexes are one run, and each chunk one run.
        let big: Targets = (0..1_000_000).collect();
        assert_eq!(big.runs.len(), 1);
        assert!(big.chunks(10_000).iter().all(|c| c.runs.len() == 1));
    }
}
