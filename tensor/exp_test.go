package tensor

import (
	"math"
	"testing"

	"github.com/descent-ml/descent/internal/kernel"
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

// TestExpSIMDMatchesGo: the AVX-512 exp, softmax and sigmoid give the same
// bits as the Go code, special values included.
func TestExpSIMDMatchesGo(t *testing.T) {
	if kernel.ISA() != "avx512" {
		t.Skip("no AVX-512 kernels")
	}
	defer func(e bool) { kernel.Enabled = e }(kernel.Enabled)
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	x := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 88.72283, 88.7229, -87.33654, -87.3366, -100, 100, inf, -inf, nan, 1e-8, -1e-8, 0.34657359}
	for i := 0; len(x) < 4096; i++ {
		x = append(x, float32(math.Sin(float64(i)))*float32(i%200)-float32(i%7))
	}
	xt, _ := FromSlice(x, 64, 64)
	run := func(simd bool) (e, sm, sg []float32) {
		kernel.Enabled = simd
		e = make([]float32, len(x))
		k := kernel.Exp(e, x, 0)
		for i := k; i < len(x); i++ {
			e[i] = expf(x[i])
		}
		y, z := Zeros[float32](64, 64), Zeros[float32](64, 64)
		if err := Softmax(y, xt); err != nil {
			t.Fatal(err)
		}
		if err := Sigmoid(z, xt); err != nil {
			t.Fatal(err)
		}
		return e, y.Data, z.Data
	}
	e1, sm1, sg1 := run(true)
	e0, sm0, sg0 := run(false)
	for i := range x {
		for _, c := range []struct {
			name       string
			simd, goes float32
		}{{"exp", e1[i], e0[i]}, {"softmax", sm1[i], sm0[i]}, {"sigmoid", sg1[i], sg0[i]}} {
			if math.Float32bits(c.simd) != math.Float32bits(c.goes) && !(c.simd != c.simd && c.goes != c.goes) {
				t.Fatalf("%s(%v): SIMD %v, Go %v", c.name, x[i], c.simd, c.goes)
			}
		}
	}
}
