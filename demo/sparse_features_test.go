package demo

import (
	"math"
	"testing"
)

func TestSparseFeatures(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"png", Config{}},
		{"svg seed 3", Config{Format: "svg", Seed: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := runTrainDemo(t, "sparse-features", tc.cfg, "sparse-features-updates", "sparse-features-error", "sparse-features-loss")
			n := rep.Numbers
			trCheckClaims(t, n, []trClaim{
				{"SGD's rare weights move far less than its frequent ones", n["sgd_rare_update"] < n["sgd_frequent_update"]/5},
				{"Adagrad moves the rare weights more than SGD", n["adagrad_rare_update"] > 3*n["sgd_rare_update"]},
				{"Adam moves the rare weights more than SGD", n["adam_rare_update"] > 2*n["sgd_rare_update"]},
				{"Adagrad recovers the rare weights better", n["adagrad_rare_error"] < 0.8*n["sgd_rare_error"]},
				{"Adam recovers the rare weights better", n["adam_rare_error"] < 0.8*n["sgd_rare_error"]},
				{"every optimizer learns", n["sgd_final_loss"] < n["initial_loss"] && n["adagrad_final_loss"] < n["initial_loss"]},
			})
		})
	}
}

// The generated features are present about as often as their group
// says, and the labels follow the true weights.
func TestSparseFeaturesGenerate(t *testing.T) {
	plan := sfPlanFor(true)
	d := sfGenerate(plan, 7)
	count := make([]int, len(d.truth))
	for _, act := range d.active {
		for _, j := range act {
			count[j]++
		}
	}
	for gi, g := range plan.groups {
		var got, n float64
		for j := range d.truth {
			if d.group[j] == gi {
				got += float64(count[j])
				n++
			}
		}
		mean := got / n / float64(plan.n)
		sd := math.Sqrt(g.freq * (1 - g.freq) / (n * float64(plan.n)))
		if n != float64(g.count) || math.Abs(mean-g.freq) > 5*sd {
			t.Errorf("group %d (%s): %v features present in %.4f of examples, want %d in %.4f", gi, g.name, n, mean, g.count, g.freq)
		}
	}
	if l, l0 := d.loss(d.truth), d.loss(make([]float64, len(d.truth))); !(l < l0) || math.Abs(l0-math.Ln2) > 1e-12 {
		t.Errorf("loss of the true weights %v, of zero weights %v: want the first below the second, ln 2", l, l0)
	}
	if again := sfGenerate(plan, 7); again.labels[0] != d.labels[0] || len(again.active[5]) != len(d.active[5]) {
		t.Error("the same seed drew different data")
	}
}

func TestSparseFeaturesCancelled(t *testing.T) { trCheckCancelled(t, "sparse-features") }
