package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// same reports whether two float32s are the same bits, or both NaN.
func same(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// TestReLU: the SIMD activation kernels give the same bits as the Go
// definitions (NaN and signed zeros included; ReLU alone may keep −0) on
// every ISA.
func TestReLU(t *testing.T) {
	defer func(e, e5 bool) { Enabled, AVX512 = e, e5 }(Enabled, AVX512)
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 1000
	const slope = 0.01
	x, dy := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
		dy[i] = rng.Float32()*2 - 1
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	x[3], x[70], x[71], x[72], x[73] = nan, float32(math.Copysign(0, -1)), 0, -inf, inf
	x[74], x[75] = -nan, math.SmallestNonzeroFloat32
	dy[5], dy[6], dy[7], dy[80], dy[81] = nan, inf, -inf, float32(math.Copysign(0, -1)), nan
	x[5], x[6], x[7], x[81] = -1, -1, 1, 1
	for _, isa := range []struct{ simd, avx512 bool }{{true, true}, {true, false}} {
		Enabled, AVX512 = isa.simd, isa.avx512
		if ISA() == "go" {
			continue
		}
		y, dx := make([]float32, n), make([]float32, n)
		ly, ldx := make([]float32, n), make([]float32, n)
		k1, k2 := ReLU(y, x), ReLUBackward(dx, dy, x)
		k3, k4 := LeakyReLU(ly, x, slope), LeakyReLUBackward(ldx, dy, x, slope)
		if k1 != k2 || k1 != k3 || k1 != k4 || k1 == 0 || k1 > n || n-k1 >= 64 {
			t.Fatalf("%s: did %d, %d, %d and %d of %d", ISA(), k1, k2, k3, k4, n)
		}
		for i := range k1 {
			want := x[i]
			if x[i] < 0 || x[i] == 0 {
				want = 0
			}
			if y[i] != want && !same(y[i], want) { // VMAXPS keeps −0
				t.Fatalf("%s: relu(%v) = %v", ISA(), x[i], y[i])
			}
			wantD := float32(0)
			if x[i] > 0 {
				wantD = dy[i]
			}
			if !same(dx[i], wantD) {
				t.Fatalf("%s: relu'(%v)·%v = %v", ISA(), x[i], dy[i], dx[i])
			}
			want = x[i]
			if x[i] < 0 {
				want *= slope
			}
			if !same(ly[i], want) {
				t.Fatalf("%s: leaky relu(%v) = %v, want %v", ISA(), x[i], ly[i], want)
			}
			wantD = slope * dy[i]
			if x[i] > 0 {
				wantD = dy[i]
			}
			if !same(ldx[i], wantD) {
				t.Fatalf("%s: leaky relu'(%v)·%v = %v, want %v", ISA(), x[i], dy[i], ldx[i], wantD)
			}
		}
	}
}
