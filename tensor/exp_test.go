package tensor

import (
	"math"
	"testing"
)

// ulps is the distance between a and b in float32 units in the last place.
func ulps(a, b float32) int64 {
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if d := ia - ib; d < 0 {
		return -d
	} else {
		return d
	}
}

// TestExpf sweeps every 97th float32 in the range where e^x is a normal
// float32, plus the special cases.
func TestExpf(t *testing.T) {
	worst := int64(0)
	lo, hi := math.Float32bits(-87.33654), math.Float32bits(88.72283)
	check := func(x float32) {
		want := float32(math.Exp(float64(x)))
		if d := ulps(expf(x), want); d > worst {
			worst = d
			if d > 2 {
				t.Fatalf("expf(%v) = %v, want %v (%d ulp)", x, expf(x), want, d)
			}
		}
	}
	for b := uint32(0); b <= hi; b += 97 { // 0 … 88.7
		check(math.Float32frombits(b))
	}
	for b := uint32(0x80000000); b <= lo; b += 97 { // -0 … -87.3
		check(math.Float32frombits(b))
	}
	t.Logf("worst error %d ulp", worst)
	inf := float32(math.Inf(1))
	for _, tc := range []struct{ x, want float32 }{
		{0, 1}, {89, inf}, {inf, inf}, {-inf, 0}, {-200, 0}, {-100, 0},
	} {
		if got := expf(tc.x); got != tc.want {
			t.Errorf("expf(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
	if nan := float32(math.NaN()); !math.IsNaN(float64(expf(nan))) {
		t.Error("expf(NaN) is not NaN")
	}
}
