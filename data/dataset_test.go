package data

import (
	"slices"
	"strings"
	"testing"
)

// seqClassification returns n examples of d features where example i's
// features are 100i, 100i+1, ... and its label is i mod k.
func seqClassification(n, d, k int) *Dataset {
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(i/d*100 + i%d)
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % k
	}
	return &Dataset{X: x, Shape: []int{d}, Labels: labels, NumClasses: k}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		ds   *Dataset
		want string // "" for valid
	}{
		{"classification", &Dataset{X: make([]float32, 6), Shape: []int{3}, Labels: []int{0, 1}, NumClasses: 2}, ""},
		{"regression", &Dataset{X: make([]float32, 6), Shape: []int{1, 3}, Targets: make([]float32, 4), TargetDim: 2}, ""},
		{"unlabeled", &Dataset{X: make([]float32, 6), Shape: []int{2}}, ""},
		{"empty", &Dataset{Shape: []int{2}, Labels: []int{}, NumClasses: 1}, ""},
		{"nil", nil, "nil dataset"},
		{"no shape", &Dataset{X: make([]float32, 6)}, "example shape []"},
		{"zero dim", &Dataset{X: make([]float32, 6), Shape: []int{3, 0}}, "each at least 1"},
		{"ragged", &Dataset{X: make([]float32, 7), Shape: []int{3}}, "7 feature values are not a whole number"},
		{"label count", &Dataset{X: make([]float32, 6), Shape: []int{3}, Labels: []int{0}, NumClasses: 2}, "1 labels for 2 examples"},
		{"label range", &Dataset{X: make([]float32, 6), Shape: []int{3}, Labels: []int{0, 2}, NumClasses: 2}, "example 1: label 2 outside [0, 2)"},
		{"negative label", &Dataset{X: make([]float32, 6), Shape: []int{3}, Labels: []int{-1, 0}, NumClasses: 2}, "example 0: label -1"},
		{"no classes", &Dataset{X: make([]float32, 6), Shape: []int{3}, Labels: []int{0, 0}}, "NumClasses 0"},
		{"class names", &Dataset{X: make([]float32, 6), Shape: []int{3}, Labels: []int{0, 0}, NumClasses: 2, ClassNames: []string{"a"}}, "1 class names for 2 classes"},
		{"both", &Dataset{X: make([]float32, 6), Shape: []int{3}, Labels: []int{0, 0}, NumClasses: 1, Targets: make([]float32, 2), TargetDim: 1}, "both"},
		{"target count", &Dataset{X: make([]float32, 6), Shape: []int{3}, Targets: make([]float32, 3), TargetDim: 2}, "3 target values for 2 examples"},
		{"target dim", &Dataset{X: make([]float32, 6), Shape: []int{3}, Targets: make([]float32, 2)}, "TargetDim 0"},
		{"shape overflow", &Dataset{Shape: []int{1 << 40, 1 << 40}}, "example shape"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.ds.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestConstructors(t *testing.T) {
	if _, err := NewClassification(make([]float32, 4), []int{2}, []int{0, 3}, 3); err == nil || !strings.Contains(err.Error(), "new classification dataset: example 1: label 3") {
		t.Errorf("error %v", err)
	}
	ds, err := NewRegression([]float32{1, 2, 3, 4}, []int{2}, []float32{5, 6}, 1)
	if err != nil || ds.Len() != 2 || ds.Kind() != Regression {
		t.Fatalf("%v %v", ds, err)
	}
	if _, err := NewRegression(make([]float32, 4), []int{2}, []float32{1}, 1); err == nil {
		t.Error("wrong target count accepted")
	}
}

func TestSliceSplitHoldOut(t *testing.T) {
	ds := seqClassification(10, 3, 4)
	tests := []struct {
		name     string
		lo, hi   int
		wantErr  bool
		firstRow float32
	}{
		{"middle", 2, 5, false, 200},
		{"all", 0, 10, false, 0},
		{"empty at end", 10, 10, false, 0},
		{"negative", -1, 5, true, 0},
		{"reversed", 5, 4, true, 0},
		{"past end", 8, 11, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ds.Slice(tc.lo, tc.hi)
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != tc.hi-tc.lo || len(s.Labels) != s.Len() {
				t.Fatalf("len %d, want %d", s.Len(), tc.hi-tc.lo)
			}
			if s.Len() > 0 && s.X[0] != tc.firstRow {
				t.Errorf("first value %g, want %g", s.X[0], tc.firstRow)
			}
			if s.Len() > 0 {
				// The slice shares memory, but appending does not write into ds.
				before := ds.X[tc.hi*3%len(ds.X)]
				_ = append(s.X, -1)
				if ds.X[tc.hi*3%len(ds.X)] != before {
					t.Error("append to a slice wrote into the dataset")
				}
			}
		})
	}

	train, val, err := ds.HoldOut(3)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 7 || val.Len() != 3 || val.Labels[0] != 7%4 || val.X[0] != 700 {
		t.Errorf("train %d val %d, val starts %d/%g", train.Len(), val.Len(), val.Labels[0], val.X[0])
	}
	train.X[0] = -5
	if ds.X[0] != -5 {
		t.Error("HoldOut copied instead of sharing")
	}
	for _, n := range []int{-1, 10, 11} {
		if _, _, err := ds.HoldOut(n); err == nil {
			t.Errorf("HoldOut(%d): no error", n)
		}
	}
	if _, _, err := ds.Split(11); err == nil {
		t.Error("Split(11): no error")
	}
}

func TestSubset(t *testing.T) {
	reg := &Dataset{X: []float32{0, 1, 2, 3, 4, 5}, Shape: []int{2}, Targets: []float32{10, 11, 20, 21, 30, 31}, TargetDim: 2}
	cls := seqClassification(4, 2, 3)
	tests := []struct {
		name    string
		ds      *Dataset
		idx     []int
		x       []float32
		labels  []int
		targets []float32
		wantErr string
	}{
		{"regression reorder", reg, []int{2, 0}, []float32{4, 5, 0, 1}, nil, []float32{30, 31, 10, 11}, ""},
		{"classification repeat", cls, []int{3, 3, 1}, []float32{300, 301, 300, 301, 100, 101}, []int{0, 0, 1}, nil, ""},
		{"empty", cls, []int{}, []float32{}, []int{}, nil, ""},
		{"out of range", cls, []int{0, 4}, nil, nil, nil, "index 4 (position 1) outside [0, 4)"},
		{"negative", cls, []int{-1}, nil, nil, nil, "index -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := tc.ds.Subset(tc.idx)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.X, tc.x) || !slices.Equal(s.Labels, tc.labels) || !slices.Equal(s.Targets, tc.targets) {
				t.Errorf("got %v %v %v", s.X, s.Labels, s.Targets)
			}
			if err := s.Validate(); err != nil {
				t.Error(err)
			}
			if len(s.X) > 0 {
				s.X[0] = -1
				if slices.Contains(tc.ds.X, -1) {
					t.Error("Subset shares memory")
				}
			}
		})
	}
}

func TestExampleAccessor(t *testing.T) {
	ds := seqClassification(3, 2, 2)
	if got := ds.Example(1); !slices.Equal(got, []float32{100, 101}) {
		t.Errorf("Example(1) = %v", got)
	}
	for _, i := range []int{-1, 3} {
		if ds.Example(i) != nil {
			t.Errorf("Example(%d) not nil", i)
		}
	}
	if (&Dataset{}).Len() != 0 || (&Dataset{}).Example(0) != nil {
		t.Error("zero Dataset not empty")
	}
	for k, want := range map[Kind]string{Unlabeled: "unlabeled", Classification: "classification", Regression: "regression", Kind(9): "Kind(9)"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q", int(k), k.String())
		}
	}
}

func TestNilInputs(t *testing.T) {
	var ds *Dataset
	if ds.Len() != 0 || ds.Dim() != 0 || ds.Kind() != Unlabeled || ds.Example(0) != nil {
		t.Error("nil Dataset not empty")
	}
	checks := []struct {
		name string
		err  func() error
	}{
		{"HoldOut", func() error { _, _, err := ds.HoldOut(0); return err }},
		{"Split", func() error { _, _, err := ds.Split(0); return err }},
		{"Subset", func() error { _, err := ds.Subset(nil); return err }},
		{"NewLoader", func() error { _, err := NewLoader(ds, LoaderConfig{}); return err }},
		{"Normalize", func() error { _, err := Normalize(ds, false); return err }},
		{"Apply", func() error { return MNISTStats().Apply(ds) }},
		{"ReadIDX", func() error { _, err := ReadIDX(nil, "x"); return err }},
		{"ReadCSV", func() error { _, err := ReadCSV(nil, "x", CSVOptions{}); return err }},
		{"Predict", func() error { return (*LinearModel)(nil).Predict(nil, nil) }},
		{"Predict malformed", func() error { return (&LinearModel{Dim: 2, Outputs: 1}).Predict(nil, nil) }},
	}
	for _, c := range checks {
		if err := c.err(); err == nil {
			t.Errorf("%s on nil input: no error", c.name)
		}
	}
}
