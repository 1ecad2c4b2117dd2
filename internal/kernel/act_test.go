package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestReLU: the SIMD activation kernels give the same bits as the Go
// definitions (NaN and signed zeros included) on every ISA.
func TestReLU(t *testing.T) {
	defer func(e, e5 bool) { Enabled, AVX512 = e, e5 }(Enabled, AVX512)
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 1000
	x, dy := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
		dy[i] = rng.Float32()
	}
	x[3], x[70], x[71], x[72] = float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(-1))
	for _, isa := range []struct{ simd, avx512 bool }{{true, true}, {true, false}} {
		Enabled, AVX512 = isa.simd, isa.avx512
		if ISA() == "go" {
			continue
		}
		y, dx := make([]float32, n), make([]float32, n)
		k1, k2 := ReLU(y, x), ReLUBackward(dx, dy, x)
		if k1 != k2 || k1 == 0 || k1 > n || n-k1 >= 64 {
			t.Fatalf("%s: did %d and %d of %d", ISA(), k1, k2, n)
		}
		for i := range k1 {
			want := x[i]
			if x[i] < 0 || x[i] == 0 {
				want = 0
			}
			if math.IsNaN(float64(x[i])) {
				if !math.IsNaN(float64(y[i])) {
					t.Fatalf("%s: relu(NaN) = %v", ISA(), y[i])
				}
			} else if y[i] != want {
				t.Fatalf("%s: relu(%v) = %v", ISA(), x[i], y[i])
			}
			wantD := float32(0)
			if x[i] > 0 {
				wantD = dy[i]
			}
			if dx[i] != wantD {
				t.Fatalf("%s: relu'(%v)·%v = %v", ISA(), x[i], dy[i], dx[i])
			}
		}
	}
}
