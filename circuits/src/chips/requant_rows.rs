//! Where requant rows go when the circuit has two requant column sets (`CircuitParams::requant_sets`):
//! a single row (a neuron's rescale, an input's range check) goes to the set with fewer rows (the first
//! on a tie); the multi-row gates (division, product, table reads, which are configured on the first
//! set's columns) take consecutive rows of the first set. The layout and [`crate::Cost`] run the same
//! allocation, so the predicted height is the height laid out.

/// The next free row of each requant set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequantRows {
    rows: [usize; 2],
    sets: usize,
}

impl RequantRows {
    /// Empty sets; `sets` is 1 or 2.
    pub fn new(sets: usize) -> Self {
        Self {
            rows: [0; 2],
            sets: sets.clamp(1, 2),
        }
    }

    /// One row in the emptier set: `(set, row)`.
    pub fn single(&mut self) -> (usize, usize) {
        let set = usize::from(self.sets == 2 && self.rows[1] < self.rows[0]);
        let row = self.rows[set];
        self.rows[set] += 1;
        (set, row)
    }

    /// `n` single rows, one after the other.
    pub fn singles(&mut self, n: usize) {
        for _ in 0..n {
            self.single();
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
        self.rows[0] + self.rows[1]
    }

    /// The taller set's rows.
    pub fn height(&self) -> usize {
        self.rows[0].max(self.rows[1])
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
}
