package data

import (
	"errors"
	"fmt"
	"math/rand/v2"
)

// streamLoader is the second PCG word of the Loader's shuffle generator.
const streamLoader = 0x4c4f_4144_4552_0000

// LoaderConfig sets up a Loader.
//
// The batch size chooses the kind of gradient descent: the whole set
// (BatchSize 0, or the set's size) is full-batch gradient descent, 1 is
// stochastic gradient descent (one example a step), anything between is
// mini-batch gradient descent.
type LoaderConfig struct {
	BatchSize int    // examples per batch; 0 means all of them
	Shuffle   bool   // deal the examples in a new random order each epoch
	Seed      uint64 // seeds the shuffle
	DropLast  bool   // skip an epoch's last batch when it is short
}

// Loader deals a Dataset's examples out in batches, epoch after epoch.
//
// Each epoch visits every example once (or, with DropLast, all but fewer
// than a batch), in the Dataset's order or, with Shuffle, in a random order
// drawn afresh each epoch from a generator seeded with Seed. The order is a
// pure function of the seed and the epoch count, so runs repeat exactly;
// State and Restore save and resume the position mid-epoch.
//
// A Loader is not safe for concurrent use.
type Loader struct {
	ds  *Dataset
	cfg LoaderConfig
	bs  int // the effective batch size

	n, d, k int // examples, features, targets per example
	kind    Kind

	perm  []int // this epoch's order
	pos   int   // examples of perm already dealt
	epoch int

	src      *rand.PCG
	epochRNG []byte // src's state at the start of this epoch, before the shuffle
}

// NewLoader returns a Loader over ds, positioned at the start of epoch 0.
// The Loader reads ds's memory as it deals; ds must not be resized while the
// Loader is in use.
func NewLoader(ds *Dataset, cfg LoaderConfig) (*Loader, error) {
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("new loader: %w", err)
	}
	n := ds.Len()
	if n == 0 {
		return nil, errors.New("new loader: empty dataset")
	}
	bs := cfg.BatchSize
	switch {
	case bs < 0:
		return nil, fmt.Errorf("new loader: batch size %d, need 0 (all) or more", bs)
	case bs == 0 || bs > n:
		if bs > n && cfg.DropLast {
			return nil, fmt.Errorf("new loader: batch size %d with DropLast leaves no batch of %d examples", bs, n)
		}
		bs = n
	}
	l := &Loader{
		ds: ds, cfg: cfg, bs: bs,
		n: n, d: ds.Dim(), k: ds.TargetDim, kind: ds.Kind(),
		perm: make([]int, n),
		src:  rand.NewPCG(cfg.Seed, streamLoader),
	}
	l.startEpoch()
	return l, nil
}

// startEpoch draws the current epoch's order.
func (l *Loader) startEpoch() {
	l.epochRNG, _ = l.src.AppendBinary(l.epochRNG[:0]) // PCG's AppendBinary cannot fail
	for i := range l.perm {
		l.perm[i] = i
	}
	if l.cfg.Shuffle {
		shuffle(l.src, l.perm)
	}
	l.pos = 0
}

// Dataset returns the Dataset the Loader deals from.
func (l *Loader) Dataset() *Dataset { return l.ds }

// BatchSize returns the number of examples in a full batch (the Dataset's
// size for full-batch loading).
func (l *Loader) BatchSize() int { return l.bs }

// BatchesPerEpoch returns the number of batches one epoch deals.
func (l *Loader) BatchesPerEpoch() int {
	if l.cfg.DropLast {
		return l.n / l.bs
	}
	return (l.n + l.bs - 1) / l.bs
}

// Epoch returns the number of epochs completed.
func (l *Loader) Epoch() int { return l.epoch }

// Batch is one batch of examples, copied out of a Dataset by Loader.Next
// into buffers that the next call reuses.
type Batch struct {
	X       []float32 // Len()×Dim features, row-major
	Labels  []int     // one class id per example (classification sets; empty otherwise)
	Targets []float32 // Len()×TargetDim targets, row-major (regression sets; empty otherwise)
	Index   []int     // each example's position in the Dataset
}

// Len returns the number of examples in the batch.
func (b *Batch) Len() int { return len(b.Index) }

// grow returns s resliced to n elements, reallocated with capacity want
// when its capacity is below n.
func grow[T any](s []T, n, want int) []T {
	if cap(s) < n {
		return make([]T, n, max(n, want))
	}
	return s[:n]
}

// Next copies the next batch into b and returns true, or returns false at
// the end of an epoch: the Loader then moves to the next epoch (a new
// order, when shuffling) and the following call returns its first batch.
// So one epoch is
//
//	for l.Next(&b) { ... }
//
// b's buffers are reused when large enough; they are allocated (for a full
// batch) only on the first call, so that a training loop allocates nothing
// per batch. Next returns false when b is nil.
func (l *Loader) Next(b *Batch) bool {
	if b == nil {
		return false
	}
	rows := min(l.bs, l.n-l.pos)
	if rows == 0 || l.cfg.DropLast && rows < l.bs {
		l.epoch++
		l.startEpoch()
		return false
	}
	idx := l.perm[l.pos : l.pos+rows]
	l.pos += rows
	d := l.d
	b.Index = grow(b.Index, rows, l.bs)
	copy(b.Index, idx)
	b.X = grow(b.X, rows*d, l.bs*d)
	for r, i := range idx {
		copy(b.X[r*d:(r+1)*d], l.ds.X[i*d:(i+1)*d])
	}
	b.Labels = b.Labels[:0]
	b.Targets = b.Targets[:0]
	switch l.kind {
	case Classification:
		b.Labels = grow(b.Labels, rows, l.bs)
		for r, i := range idx {
			b.Labels[r] = l.ds.Labels[i]
		}
	case Regression:
		k := l.k
		b.Targets = grow(b.Targets, rows*k, l.bs*k)
		for r, i := range idx {
			copy(b.Targets[r*k:(r+1)*k], l.ds.Targets[i*k:(i+1)*k])
		}
	}
	return true
}

// LoaderState is a Loader's position, to be saved (as JSON) with a
// checkpoint and given to Restore to resume: the epoch, how far into the
// epoch's order the Loader has dealt, and the shuffle generator's state at
// the start of the epoch (from which the epoch's order is drawn again). It
// also records the settings that shape the batches, which Restore checks.
type LoaderState struct {
	Epoch     int    `json:"epoch"`
	Index     int    `json:"index"`
	RNG       []byte `json:"rng"`
	Examples  int    `json:"examples"`
	BatchSize int    `json:"batch_size"`
	Shuffle   bool   `json:"shuffle"`
	DropLast  bool   `json:"drop_last"`
	Seed      uint64 `json:"seed"`
}

// State returns the Loader's position.
func (l *Loader) State() LoaderState {
	return LoaderState{
		Epoch:     l.epoch,
		Index:     l.pos,
		RNG:       append([]byte(nil), l.epochRNG...),
		Examples:  l.n,
		BatchSize: l.bs,
		Shuffle:   l.cfg.Shuffle,
		DropLast:  l.cfg.DropLast,
		Seed:      l.cfg.Seed,
	}
}

// Restore moves the Loader to a position saved by State, so that it deals
// the batches the saved Loader would have dealt next. The Loader must have
// been made with the same settings over a Dataset of the same size;
// otherwise, or if the state is malformed, Restore returns an error and
// leaves the Loader as it was.
func (l *Loader) Restore(s LoaderState) error {
	switch {
	case s.Examples != l.n:
		return fmt.Errorf("restore loader: state is for %d examples, dataset has %d", s.Examples, l.n)
	case s.BatchSize != l.bs:
		return fmt.Errorf("restore loader: state has batch size %d, loader %d", s.BatchSize, l.bs)
	case s.Shuffle != l.cfg.Shuffle || s.DropLast != l.cfg.DropLast || s.Seed != l.cfg.Seed:
		return fmt.Errorf("restore loader: state has shuffle %v, drop-last %v, seed %d; loader has %v, %v, %d",
			s.Shuffle, s.DropLast, s.Seed, l.cfg.Shuffle, l.cfg.DropLast, l.cfg.Seed)
	case s.Epoch < 0:
		return fmt.Errorf("restore loader: epoch %d", s.Epoch)
	case s.Index < 0 || s.Index > l.n || s.Index%l.bs != 0 && s.Index != l.n:
		return fmt.Errorf("restore loader: index %d is not a batch boundary in [0, %d]", s.Index, l.n)
	}
	src := &rand.PCG{}
	if err := src.UnmarshalBinary(s.RNG); err != nil {
		return fmt.Errorf("restore loader: generator state: %w", err)
	}
	l.src = src
	l.epoch = s.Epoch
	l.startEpoch()
	l.pos = s.Index
	return nil
}
