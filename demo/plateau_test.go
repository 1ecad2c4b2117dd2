package demo

import (
	"fmt"
	"testing"
)

// TestPlateauDemo: gradient descent ends on the plateau while every
// adaptive method travels far more and reaches the basin far sooner.
func TestPlateauDemo(t *testing.T) {
	_, n := runSurfaceDemo(t, "plateau", Config{})
	claims := []surfClaim{
		{"GD ends with status plateau", n("gd_plateau") == 1},
		{"heavy ball ends with status plateau", n("heavy_ball_plateau") == 1},
		{"every adaptive method travels at least 100× GD's distance", n("adaptive_travel_ratio_min") >= 100},
	}
	for _, key := range []string{"adam", "rmsprop", "adagrad", "lion"} {
		claims = append(claims,
			surfClaim{fmt.Sprintf("%s travels at least 100× GD's distance", key), n(key+"_travel") >= 100*n("gd_travel")},
			surfClaim{fmt.Sprintf("%s reaches the basin in under a tenth of GD's steps", key), n(key+"_basin_steps") < n("gd_basin_steps")/10},
			surfClaim{fmt.Sprintf("%s does not end on the plateau", key), n(key+"_plateau") == 0},
		)
	}
	for _, key := range []string{"adam", "rmsprop", "adagrad"} {
		claims = append(claims, surfClaim{key + " converges", n(key+"_converged") == 1 && n(key+"_final_loss") < 1e-6})
	}
	checkSurfClaims(t, claims)
}
