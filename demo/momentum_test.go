package demo

import (
	"math"
	"testing"
)

// TestMomentumDemo: momentum needs a fraction of gradient descent's steps
// on both valleys, and both contract at the textbook rates.
func TestMomentumDemo(t *testing.T) {
	_, n := runSurfaceDemo(t, "momentum", Config{})
	k := n("kappa")
	sk := math.Sqrt(k)
	checkSurfClaims(t, []surfClaim{
		{"quadratic: momentum reaches 1e-6 in under a third of GD's steps",
			n("quadratic_momentum_steps") > 0 && n("quadratic_momentum_steps") < n("quadratic_gd_steps")/3},
		{"banana: momentum reaches 1e-6 in under a third of GD's steps",
			n("banana_momentum_steps") > 0 && n("banana_momentum_steps") < n("banana_gd_steps")/3},
		{"GD contracts by (κ−1)/(κ+1) per step (within 1%)", near(n("quadratic_gd_rate"), (k-1)/(k+1), 0.01)},
		{"heavy ball contracts by (√κ−1)/(√κ+1) per step (within 1%)", near(n("quadratic_momentum_rate"), (sk-1)/(sk+1), 0.01)},
		{"the reported theories are the textbook ones",
			near(n("quadratic_gd_rate_theory"), (k-1)/(k+1), 1e-12) && near(n("quadratic_momentum_rate_theory"), (sk-1)/(sk+1), 1e-12)},
	})
}
