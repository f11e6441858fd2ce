//! Where requant rows go when the circuit has several requant column sets
//! (`CircuitParams::requant_sets`, at most [`MAX_REQUANT_SETS`]): a plain single row (a neuron's
//! rescale, an input's range check) goes to the set with the fewest rows (the first on a tie); rows that
//! need a lookup or gate only the first set has (a table activation's function lookup, a wide rescale,
//! division, product and table reads) take rows of the first set. The layout and [`crate::Cost`] run
//! the same allocation, so the predicted height is the height laid out.

/// The most requant column sets a circuit may have.
pub const MAX_REQUANT_SETS: usize = 4;

/// The next free row of each requant set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequantRows {
    rows: [usize; MAX_REQUANT_SETS],
    sets: usize,
}

impl RequantRows {
    /// Empty sets; `sets` is 1 to [`MAX_REQUANT_SETS`].
    pub fn new(sets: usize) -> Self {
        Self {
            rows: [0; MAX_REQUANT_SETS],
            sets: sets.clamp(1, MAX_REQUANT_SETS),
        }
    }

    /// One plain row in the emptiest set: `(set, row)`.
    pub fn single(&mut self) -> (usize, usize) {
        let set = (1..self.sets).fold(0, |best, s| {
            if self.rows[s] < self.rows[best] {
                s
            } else {
                best
            }
        });
        let row = self.rows[set];
        self.rows[set] += 1;
        (set, row)
    }

    /// One row: in the first set when `first_only` (it needs the first set's lookups), else
    /// [`Self::single`].
    pub fn single_in(&mut self, first_only: bool) -> (usize, usize) {
        if first_only {
            (0, self.first_set(1))
        } else {
            self.single()
        }
    }

    /// `n` rows, one after the other, as [`Self::single_in`] places them.
    pub fn singles(&mut self, n: usize, first_only: bool) {
        for _ in 0..n {
            self.single_in(first_only);
        }
    }

    /// `n` consecutive rows of the first set: the first of them.
    pub fn first_set(&mut self, n: usize) -> usize {
        let row = self.rows[0];
        self.rows[0] += n;
        row
    }

    /// Rows taken in all sets together.
    pub fn total(&self) -> usize {
        self.rows.iter().sum()
    }

    /// The tallest set's rows.
    pub fn height(&self) -> usize {
        self.rows.iter().copied().max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::RequantRows;

    #[test]
    fn single_rows_balance_the_sets_and_blocks_stay_in_the_first() {
        let mut r = RequantRows::new(2);
        assert_eq!(r.single(), (0, 0));
        assert_eq!(r.single(), (1, 0));
        assert_eq!(r.first_set(4), 1);
        assert_eq!(r.single(), (1, 1));
        assert_eq!(r.single(), (1, 2));
        assert_eq!(r.single(), (1, 3));
        assert_eq!(r.single(), (1, 4));
        assert_eq!(r.single(), (0, 5));
        assert_eq!((r.height(), r.total()), (6, 11));
        let mut one = RequantRows::new(1);
        assert_eq!((one.single(), one.single()), ((0, 0), (0, 1)));
        assert_eq!(one.height(), 2);
    }

    #[test]
    fn four_sets_fill_round_robin_and_first_only_rows_stay_in_the_first() {
        let mut r = RequantRows::new(4);
        let placed: Vec<(usize, usize)> = (0..6).map(|_| r.single()).collect();
        assert_eq!(placed, [(0, 0), (1, 0), (2, 0), (3, 0), (0, 1), (1, 1)]);
        assert_eq!(r.single_in(true), (0, 2));
        assert_eq!(r.single_in(false), (2, 1));
        r.singles(3, true);
        assert_eq!((r.height(), r.total()), (6, 11));
        // The emptier sets catch up before the first gets another plain row.
        let next: Vec<usize> = (0..6).map(|_| r.single().0).collect();
        assert_eq!(next, [3, 1, 2, 3, 1, 2]);
        assert_eq!(RequantRows::new(9).sets, 4);
    }
}
