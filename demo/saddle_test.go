package demo

import (
	"math"
	"testing"
)

// TestSaddleDemo: on the stable manifold GD (and momentum) end at the
// saddle; a tiny offset, noise or momentum escape, momentum faster than
// GD from the same offset, as the growth along λmin predicts; the
// Hessian's λmin is negative at the saddle and positive where they end.
func TestSaddleDemo(t *testing.T) {
	_, n := runSurfaceDemo(t, "saddle", Config{})
	lr, mu := n("lr"), n("momentum")
	lam := n("lambda_min_start")
	gdSteps := math.Log(0.5/n("offset")) / math.Log(1-lr*lam)
	checkSurfClaims(t, []surfClaim{
		{"GD from y = 0 ends with status saddle", n("gd_on_manifold_at_saddle") == 1 && n("gd_on_manifold_escaped") == 0},
		{"momentum from y = 0 ends with status saddle", n("momentum_on_manifold_at_saddle") == 1},
		{"GD from a tiny offset escapes and converges", n("gd_offset_escaped") == 1 && n("gd_offset_converged") == 1},
		{"GD with noise escapes and converges", n("gd_noise_escaped") == 1 && n("gd_noise_converged") == 1},
		{"momentum from a tiny offset escapes and converges", n("momentum_offset_escaped") == 1 && n("momentum_offset_converged") == 1},
		{"momentum escapes faster than GD from the same offset", n("momentum_offset_escape_steps") < n("gd_offset_escape_steps")},
		{"λmin < 0 at the start and at the stuck point", lam < 0 && n("lambda_min_stuck") < 0 && n("lambda_max_stuck") > 0},
		{"the stuck point is the saddle", n("stuck_distance") < 1e-6},
		{"λmin > 0 where the escapes end", n("gd_offset_lambda_min_end") > 0 && n("gd_noise_lambda_min_end") > 0 && n("momentum_offset_lambda_min_end") > 0},
		{"GD's escape takes ln(0.5/y0)/ln(1 − lr·λmin) steps (within 5%)", near(n("gd_offset_escape_steps"), gdSteps, 0.05)},
		{"the reported prediction is that", near(n("gd_offset_escape_predicted"), gdSteps, 1e-9)},
		{"momentum's escape is as its larger root predicts (within 10%)",
			near(n("momentum_offset_escape_steps"), math.Log(0.5/n("offset"))/math.Log(surfRootModulus(1+mu-lr*lam, mu)), 0.1)},
	})
}
