package data

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// epochs collects the example indices of every batch over the given number
// of epochs: one []int per batch, one [][]int per epoch.
func epochs(t *testing.T, l *Loader, count int) [][][]int {
	t.Helper()
	var out [][][]int
	var b Batch
	for range count {
		var ep [][]int
		for l.Next(&b) {
			ep = append(ep, slices.Clone(b.Index))
		}
		out = append(out, ep)
	}
	return out
}

func TestLoaderBatchSequences(t *testing.T) {
	ds := seqClassification(10, 3, 4)
	tests := []struct {
		name  string
		cfg   LoaderConfig
		sizes []int   // batch sizes of one epoch
		first [][]int // epoch 0's batches, when fixed (no shuffle)
	}{
		{"full batch (0)", LoaderConfig{}, []int{10}, [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}},
		{"full batch (N)", LoaderConfig{BatchSize: 10}, []int{10}, [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}},
		{"larger than N", LoaderConfig{BatchSize: 64}, []int{10}, nil},
		{"stochastic", LoaderConfig{BatchSize: 1}, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, [][]int{{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}}},
		{"mini-batch", LoaderConfig{BatchSize: 4}, []int{4, 4, 2}, [][]int{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}},
		{"mini-batch drop last", LoaderConfig{BatchSize: 4, DropLast: true}, []int{4, 4}, [][]int{{0, 1, 2, 3}, {4, 5, 6, 7}}},
		{"exact division drop last", LoaderConfig{BatchSize: 5, DropLast: true}, []int{5, 5}, nil},
		{"shuffled full batch", LoaderConfig{Shuffle: true, Seed: 1}, []int{10}, nil},
		{"shuffled stochastic", LoaderConfig{BatchSize: 1, Shuffle: true, Seed: 2}, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, nil},
		{"shuffled mini-batch", LoaderConfig{BatchSize: 3, Shuffle: true, Seed: 3}, []int{3, 3, 3, 1}, nil},
		{"shuffled drop last", LoaderConfig{BatchSize: 3, Shuffle: true, Seed: 3, DropLast: true}, []int{3, 3, 3}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := NewLoader(ds, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if l.BatchesPerEpoch() != len(tc.sizes) {
				t.Errorf("BatchesPerEpoch %d, want %d", l.BatchesPerEpoch(), len(tc.sizes))
			}
			eps := epochs(t, l, 3)
			if l.Epoch() != 3 {
				t.Errorf("Epoch() = %d after 3 epochs", l.Epoch())
			}
			for e, ep := range eps {
				var sizes, seen []int
				for _, batch := range ep {
					sizes = append(sizes, len(batch))
					seen = append(seen, batch...)
				}
				if !slices.Equal(sizes, tc.sizes) {
					t.Fatalf("epoch %d batch sizes %v, want %v", e, sizes, tc.sizes)
				}
				slices.Sort(seen)
				if len(slices.Compact(slices.Clone(seen))) != len(seen) {
					t.Fatalf("epoch %d repeats an example: %v", e, ep)
				}
				if !tc.cfg.DropLast && len(seen) != ds.Len() {
					t.Fatalf("epoch %d dealt %d of %d examples", e, len(seen), ds.Len())
				}
			}
			if tc.first != nil && !slices.EqualFunc(eps[0], tc.first, slices.Equal) {
				t.Errorf("epoch 0 %v, want %v", eps[0], tc.first)
			}
			flat := func(ep [][]int) []int { return slices.Concat(ep...) }
			if tc.cfg.Shuffle {
				if slices.Equal(flat(eps[0]), flat(eps[1])) {
					t.Errorf("shuffled epochs 0 and 1 alike: %v", eps[0])
				}
			} else if !slices.Equal(flat(eps[0]), flat(eps[2])) {
				t.Errorf("unshuffled epochs differ")
			}
			// The same settings give the same sequence.
			again, _ := NewLoader(ds, tc.cfg)
			if got := epochs(t, again, 3); fmt.Sprint(got) != fmt.Sprint(eps) {
				t.Error("same seed, different batches")
			}
		})
	}
}

// TestLoaderGoldenOrder pins the shuffled order for a seed, so that the
// batches a seed gives cannot change between versions of descent or Go.
func TestLoaderGoldenOrder(t *testing.T) {
	ds := seqClassification(10, 1, 2)
	l, _ := NewLoader(ds, LoaderConfig{Shuffle: true, Seed: 1})
	got := epochs(t, l, 2)
	want := [][][]int{{{5, 2, 0, 4, 6, 7, 9, 1, 3, 8}}, {{0, 6, 4, 8, 5, 9, 7, 2, 3, 1}}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("order %v\nwant  %v", got, want)
	}
}

func TestLoaderBatchContents(t *testing.T) {
	reg, _, _ := LinearRegression(LinearConfig{N: 7, Dim: 3, Outputs: 2, Seed: 1})
	tests := []struct {
		name string
		ds   *Dataset
	}{
		{"classification", seqClassification(7, 3, 3)},
		{"regression", reg},
		{"unlabeled", &Dataset{X: seqClassification(7, 2, 1).X, Shape: []int{1, 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := NewLoader(tc.ds, LoaderConfig{BatchSize: 3, Shuffle: true, Seed: 9})
			if err != nil {
				t.Fatal(err)
			}
			d, k := tc.ds.Dim(), tc.ds.TargetDim
			var b Batch
			for l.Next(&b) {
				n := b.Len()
				if len(b.X) != n*d {
					t.Fatalf("%d features for %d examples", len(b.X), n)
				}
				for r, i := range b.Index {
					if !slices.Equal(b.X[r*d:(r+1)*d], tc.ds.Example(i)) {
						t.Errorf("row %d is not example %d", r, i)
					}
					switch tc.ds.Kind() {
					case Classification:
						if b.Labels[r] != tc.ds.Labels[i] {
							t.Errorf("row %d label %d, want %d", r, b.Labels[r], tc.ds.Labels[i])
						}
					case Regression:
						if !slices.Equal(b.Targets[r*k:(r+1)*k], tc.ds.Targets[i*k:(i+1)*k]) {
							t.Errorf("row %d targets differ", r)
						}
					}
				}
				if tc.ds.Kind() != Classification && len(b.Labels) != 0 || tc.ds.Kind() != Regression && len(b.Targets) != 0 {
					t.Errorf("labels %v targets %v for a %v set", b.Labels, b.Targets, tc.ds.Kind())
				}
			}
		})
	}
}

func TestLoaderNoAllocation(t *testing.T) {
	ds := seqClassification(100, 8, 10)
	for _, cfg := range []LoaderConfig{
		{BatchSize: 7, Shuffle: true, Seed: 1},
		{BatchSize: 1, Shuffle: true},
		{},
	} {
		l, _ := NewLoader(ds, cfg)
		var b Batch
		l.Next(&b) // the first call allocates the buffers
		allocs := testing.AllocsPerRun(500, func() { l.Next(&b) })
		if allocs != 0 {
			t.Errorf("%+v: %g allocations per batch", cfg, allocs)
		}
	}
}

// TestLoaderResume stops a loader at every batch boundary of its first
// epochs, saves its state as JSON, restores it into a fresh loader and
// checks that the rest of the run is the uninterrupted run's.
func TestLoaderResume(t *testing.T) {
	ds := seqClassification(11, 2, 3)
	tests := []struct {
		name string
		cfg  LoaderConfig
	}{
		{"full batch shuffled", LoaderConfig{Shuffle: true, Seed: 5}},
		{"stochastic shuffled", LoaderConfig{BatchSize: 1, Shuffle: true, Seed: 6}},
		{"mini-batch shuffled", LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 7}},
		{"mini-batch drop last", LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 8, DropLast: true}},
		{"mini-batch in order", LoaderConfig{BatchSize: 3}},
	}
	const total = 4 // epochs
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref, _ := NewLoader(ds, tc.cfg)
			want := epochs(t, ref, total)
			flatWant := fmt.Sprint(want)
			perEpoch := ref.BatchesPerEpoch()
			for stopEpoch := range total - 1 {
				for stopBatch := 0; stopBatch <= perEpoch; stopBatch++ {
					l, _ := NewLoader(ds, tc.cfg)
					var got [][][]int
					var b Batch
					got = append(got, epochs(t, l, stopEpoch)...)
					var partial [][]int
					for range stopBatch {
						if !l.Next(&b) {
							t.Fatal("epoch ended early")
						}
						partial = append(partial, slices.Clone(b.Index))
					}
					js, err := json.Marshal(l.State())
					if err != nil {
						t.Fatal(err)
					}
					var st LoaderState
					if err := json.Unmarshal(js, &st); err != nil {
						t.Fatal(err)
					}
					resumed, _ := NewLoader(ds, tc.cfg)
					if err := resumed.Restore(st); err != nil {
						t.Fatalf("restore %s: %v", js, err)
					}
					if stopBatch == perEpoch {
						// Stopped after the last batch, before Next reported the end.
						if resumed.Next(&b) {
							t.Fatal("resumed loader dealt past the end of the epoch")
						}
						got = append(got, partial)
						partial = nil
					}
					for resumed.Next(&b) {
						partial = append(partial, slices.Clone(b.Index))
					}
					got = append(got, partial)
					got = append(got, epochs(t, resumed, total-len(got))...)
					if fmt.Sprint(got) != flatWant {
						t.Fatalf("stopped at epoch %d batch %d (state %s):\ngot  %v\nwant %v", stopEpoch, stopBatch, js, got, want)
					}
				}
			}
		})
	}
}

func TestLoaderErrors(t *testing.T) {
	ds := seqClassification(5, 2, 2)
	newTests := []struct {
		name string
		ds   *Dataset
		cfg  LoaderConfig
		want string
	}{
		{"negative batch", ds, LoaderConfig{BatchSize: -1}, "batch size -1"},
		{"drop-last too large", ds, LoaderConfig{BatchSize: 6, DropLast: true}, "leaves no batch"},
		{"empty", &Dataset{Shape: []int{2}}, LoaderConfig{}, "empty dataset"},
		{"invalid", &Dataset{X: []float32{1, 2, 3}, Shape: []int{2}}, LoaderConfig{}, "new loader: 3 feature values"},
	}
	for _, tc := range newTests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewLoader(tc.ds, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}

	cfg := LoaderConfig{BatchSize: 2, Shuffle: true, Seed: 3}
	l, _ := NewLoader(ds, cfg)
	good := l.State()
	restoreTests := []struct {
		name   string
		change func(s *LoaderState)
		want   string
	}{
		{"examples", func(s *LoaderState) { s.Examples = 6 }, "state is for 6 examples, dataset has 5"},
		{"batch size", func(s *LoaderState) { s.BatchSize = 3 }, "batch size 3"},
		{"seed", func(s *LoaderState) { s.Seed = 4 }, "seed 4"},
		{"shuffle", func(s *LoaderState) { s.Shuffle = false }, "shuffle false"},
		{"drop last", func(s *LoaderState) { s.DropLast = true }, "drop-last true"},
		{"epoch", func(s *LoaderState) { s.Epoch = -1 }, "epoch -1"},
		{"index off boundary", func(s *LoaderState) { s.Index = 3 }, "index 3 is not a batch boundary"},
		{"index past end", func(s *LoaderState) { s.Index = 6 }, "index 6"},
		{"rng", func(s *LoaderState) { s.RNG = []byte("junk") }, "generator state"},
		{"no rng", func(s *LoaderState) { s.RNG = nil }, "generator state"},
	}
	for _, tc := range restoreTests {
		t.Run("restore "+tc.name, func(t *testing.T) {
			s := good
			s.RNG = slices.Clone(good.RNG)
			tc.change(&s)
			before := fmt.Sprint(l.State())
			err := l.Restore(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if fmt.Sprint(l.State()) != before {
				t.Error("a refused Restore moved the loader")
			}
		})
	}
	if l.Next(nil) {
		t.Error("Next(nil) = true")
	}
	// The end index is a valid position even when it is not a multiple
	// of the batch size.
	s := good
	s.Index = 5
	if err := l.Restore(s); err != nil {
		t.Error(err)
	}
}
