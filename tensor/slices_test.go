package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/descent-ml/descent/internal/kernel"
)

// TestSliceKernels: AddConst gives the Go loop's bits and SumRun the sum,
// over lengths around the SIMD blocks, with and without SIMD.
func TestSliceKernels(t *testing.T) {
	defer func(e bool) { kernel.Enabled = e }(kernel.Enabled)
	rng := rand.New(rand.NewPCG(2, 9))
	for _, simd := range []bool{true, false} {
		kernel.Enabled = simd
		for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 100, 255, 256, 257, 784, 1001} {
			x := make([]float32, n)
			x64 := make([]float64, n)
			var want, mag float64
			for i := range x {
				x[i] = float32(rng.NormFloat64())
				x64[i] = float64(x[i])
				want += float64(x[i])
				mag += math.Abs(float64(x[i]))
			}
			if got := SumRun(x); math.Abs(got-want) > 1e-6*(mag+1) {
				t.Fatalf("simd %v: SumRun of %d = %v, want %v", simd, n, got, want)
			}
			if got := SumRun(x64); math.Abs(got-want) > 1e-12*(mag+1) {
				t.Fatalf("SumRun of %d float64 = %v, want %v", n, got, want)
			}
			d := make([]float32, n)
			AddConst(d, x, 0.25)
			AddConst(x, x, 0.25) // in place
			for i := range d {
				if want := float32(x64[i]) + 0.25; d[i] != want || x[i] != want {
					t.Fatalf("simd %v: AddConst[%d] = %v (in place %v), want %v", simd, i, d[i], x[i], want)
				}
			}
		}
	}
}
