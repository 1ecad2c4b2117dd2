package demo

import (
	"math"
	"testing"
)

func TestLearningRate(t *testing.T) {
	rep := runTrainDemo(t, "learning-rate", Config{}, "learning-rate-losses", "learning-rate-finder")
	n := rep.Numbers
	trCheckClaims(t, n, []trClaim{
		{"the range test suggests a rate", n["suggested_lr"] > 0},
		{"the suggestion beats a hundredth of it", n["suggested_final_loss"] < 0.5*n["div100_final_loss"]},
		{"the suggestion and a hundredth of it do not diverge", n["suggested_diverged"] == 0 && n["div100_diverged"] == 0},
		{"a large enough rate diverges", n["diverged_step"] >= 1 && n["diverged_multiple"] >= 100},
		{"the diverged run is the largest rate", n["diverged_lr"] > n["x10_lr"]},
	})
	key, _ := lrMultipleName(n["diverged_multiple"])
	if n[key+"_diverged"] != 1 || n[key+"_diverged_step"] != n["diverged_step"] {
		t.Errorf("%s: want diverged at step %v, numbers %v", key, n["diverged_step"], n)
	}
}

func TestLearningRateCurve(t *testing.T) {
	for _, steps := range []int{1, 7, 30, 2345} {
		losses := make([]float64, steps)
		var total float64
		for i := range losses {
			losses[i] = float64(i%5) + 1
			total += losses[i]
		}
		x, y := lrCurve(losses)
		if x[0] != 1 || int(x[len(x)-1]) != steps {
			t.Errorf("%d steps: bins from %v to %v, want 1 to %d", steps, x[0], x[len(x)-1], steps)
		}
		var sum float64
		prev := 0.0
		for i := range x {
			if x[i] <= prev {
				t.Fatalf("%d steps: bin ends %v not increasing", steps, x)
			}
			sum += y[i] * (x[i] - prev)
			prev = x[i]
		}
		if math.Abs(sum-total) > 1e-9*total {
			t.Errorf("%d steps: the bins hold %v of the loss, want %v", steps, sum, total)
		}
		if steps > 200 && len(x) > 250 {
			t.Errorf("%d steps: %d bins, want a few hundred at most", steps, len(x))
		}
	}
}

func TestLearningRateCancelled(t *testing.T) { trCheckCancelled(t, "learning-rate") }
