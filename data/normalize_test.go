package data

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestComputeStats(t *testing.T) {
	// Two features: column 0 is 1, 3 (mean 2, std 1); column 1 is 5, 5
	// (constant: std stored as 1).
	ds := &Dataset{X: []float32{1, 5, 3, 5}, Shape: []int{2}}
	tests := []struct {
		name       string
		perFeature bool
		mean, std  []float32
	}{
		{"scalar", false, []float32{3.5}, []float32{float32(math.Sqrt(2.75))}},
		{"per feature", true, []float32{2, 5}, []float32{1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ComputeStats(ds, tc.perFeature)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.Mean, tc.mean) || !slices.Equal(s.Std, tc.std) {
				t.Errorf("stats %v / %v, want %v / %v", s.Mean, s.Std, tc.mean, tc.std)
			}
		})
	}
}

func TestNormalizeRoundTrip(t *testing.T) {
	for _, perFeature := range []bool{false, true} {
		train, _, _ := Blobs(BlobsConfig{N: 200, Centers: 3, Dim: 4, Std: 2, Seed: 1})
		test, _, _ := Blobs(BlobsConfig{N: 50, Centers: 3, Dim: 4, Std: 2, Seed: 2})
		orig := slices.Clone(test.X)
		s, err := Normalize(train, perFeature)
		if err != nil {
			t.Fatal(err)
		}
		// The training set now has mean 0 and std 1 (per feature or overall).
		again, _ := ComputeStats(train, perFeature)
		for j := range again.Mean {
			if math.Abs(float64(again.Mean[j])) > 1e-5 || math.Abs(float64(again.Std[j])-1) > 1e-5 {
				t.Errorf("perFeature %v: after normalizing, stats %v / %v", perFeature, again.Mean, again.Std)
			}
		}
		// The stats survive JSON and apply to another set.
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var loaded Stats
		if err := json.Unmarshal(b, &loaded); err != nil {
			t.Fatal(err)
		}
		if err := loaded.Apply(test); err != nil {
			t.Fatal(err)
		}
		j := 0
		if perFeature {
			j = 1
		}
		if want := (orig[1] - s.Mean[j]) / s.Std[j]; test.X[1] != want {
			t.Errorf("applied %g, want %g", test.X[1], want)
		}
		if err := loaded.Invert(test); err != nil {
			t.Fatal(err)
		}
		for i := range orig {
			if math.Abs(float64(test.X[i]-orig[i])) > 1e-5*(1+math.Abs(float64(orig[i]))) {
				t.Fatalf("invert: %g, want %g", test.X[i], orig[i])
			}
		}
	}
}

func TestStatsErrors(t *testing.T) {
	ds := &Dataset{X: []float32{1, 2, 3, 4}, Shape: []int{2}}
	tests := []struct {
		name string
		s    Stats
		want string
	}{
		{"length mismatch", Stats{Mean: []float32{0, 0}, Std: []float32{1}}, "2 means but 1 standard deviations"},
		{"wrong feature count", Stats{Mean: []float32{0, 0, 0}, Std: []float32{1, 1, 1}}, "stats for 3 features, dataset has 2"},
		{"zero std", Stats{Mean: []float32{0}, Std: []float32{0}}, "standard deviation 0 is 0"},
		{"nan std", Stats{Mean: []float32{0}, Std: []float32{float32(math.NaN())}}, "standard deviation 0 is NaN"},
		{"inf mean", Stats{Mean: []float32{0, float32(math.Inf(1))}, Std: []float32{1, 1}}, "mean 1 is +Inf"},
		{"empty", Stats{}, "stats for 0 features"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []func(*Dataset) error{tc.s.Apply, tc.s.Invert} {
				err := f(ds)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %v, want %q", err, tc.want)
				}
			}
			if ds.X[0] != 1 {
				t.Fatal("a refused Apply changed the data")
			}
		})
	}
	if _, err := ComputeStats(&Dataset{Shape: []int{2}}, false); err == nil {
		t.Error("stats of an empty set: no error")
	}
	nan := &Dataset{X: []float32{1, float32(math.NaN())}, Shape: []int{1}}
	if _, err := Normalize(nan, false); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN features: %v", err)
	}
	if _, err := ComputeStats(&Dataset{X: []float32{1}}, true); err == nil {
		t.Error("invalid dataset: no error")
	}
}
