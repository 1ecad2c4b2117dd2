package demo

import (
	"math"
	"testing"
)

// TestNesterovDemo: at the same lr and momentum Nesterov overshoots less,
// crosses the minimum fewer times and settles sooner than heavy ball, at
// the rates of their characteristic polynomials.
func TestNesterovDemo(t *testing.T) {
	_, n := runSurfaceDemo(t, "nesterov", Config{})
	lr, mu := n("lr"), n("momentum")
	checkSurfClaims(t, []surfClaim{
		{"heavy ball overshoots the minimum", n("heavy_ball_overshoot") > 0},
		{"Nesterov overshoots less than heavy ball", n("nesterov_overshoot") < n("heavy_ball_overshoot")},
		{"Nesterov crosses x = 0 fewer times", n("nesterov_sign_changes") < n("heavy_ball_sign_changes")},
		{"Nesterov settles in fewer steps", n("nesterov_steps") > 0 && n("nesterov_steps") < n("heavy_ball_steps")},
		{"heavy ball contracts by √μ (within 2%)", near(n("heavy_ball_rate"), math.Sqrt(mu), 0.02)},
		{"Nesterov contracts by √(μ(1 − lr)) on curvature 1 (within 2%)", near(n("nesterov_rate"), math.Sqrt(mu*(1-lr)), 0.02)},
		{"plain GD does not overshoot", n("gd_overshoot") == 0},
	})
}
