package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// TestGemmSumNT checks the summed NT products against a float64 sum, over
// shapes that fit the kernel's block exactly, leave edges and fall back to
// GemmBatch, with and without SIMD, at 1 to 3 threads (the same bits every
// time), and with beta 0 (NaN in C ignored) and not.
func TestGemmSumNT(t *testing.T) {
	defer func(e bool) { kernel.Enabled = e }(kernel.Enabled)
	defer parallel.SetThreads(parallel.SetThreads(1))
	rng := rand.New(rand.NewPCG(7, 1))
	cases := []struct{ count, m, n, k, pad int }{
		{1, 3, 8, 16, 0}, {1, 3, 8, 1, 0}, {2, 6, 25, 784, 0}, {5, 16, 150, 100, 0},
		{3, 7, 9, 17, 3}, {4, 4, 11, 33, 1}, {1, 2, 8, 10, 0}, {2, 3, 7, 10, 2},
		{3, 1, 1, 5, 0}, {1, 13, 29, 47, 5}, {0, 5, 9, 16, 0},
	}
	for _, simd := range []bool{true, false} {
		kernel.Enabled = simd
		for _, tc := range cases {
			for _, beta := range []float32{0, 0.5} {
				lda, ldb, ldc := tc.k+tc.pad, tc.k+2*tc.pad, tc.n+tc.pad
				sA, sB := tc.m*lda+tc.pad, tc.n*ldb
				a := make([]float32, max(tc.count, 1)*sA)
				b := make([]float32, max(tc.count, 1)*sB)
				for i := range a {
					a[i] = float32(rng.NormFloat64())
				}
				for i := range b {
					b[i] = float32(rng.NormFloat64())
				}
				c0 := make([]float32, tc.m*ldc)
				for i := range c0 {
					c0[i] = float32(rng.NormFloat64())
					if beta == 0 {
						c0[i] = float32(math.NaN())
					}
				}
				const alpha = 1.5
				var first []float32
				for th := 1; th <= 3; th++ {
					parallel.SetThreads(th)
					c := append([]float32(nil), c0...)
					GemmSumNT(tc.count, tc.m, tc.n, tc.k, alpha, a, lda, sA, b, ldb, sB, beta, c, ldc)
					if first == nil {
						first = c
						for r := range tc.m {
							for q := range tc.n {
								var s, mag float64
								for i := range tc.count {
									for p := range tc.k {
										v := float64(a[i*sA+r*lda+p]) * float64(b[i*sB+q*ldb+p])
										s += v
										mag += math.Abs(v)
									}
								}
								want := alpha * s
								if beta != 0 {
									want += float64(beta) * float64(c0[r*ldc+q])
								}
								if got := float64(c[r*ldc+q]); math.Abs(got-want) > 1e-5*(mag+1) {
									t.Fatalf("simd %v %+v beta %v: C[%d,%d] = %v, want %v", simd, tc, beta, r, q, got, want)
								}
							}
						}
						continue
					}
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
							t.Fatalf("simd %v %+v: %d threads give C[%d] = %v, 1 thread %v", simd, tc, th, i, c[i], first[i])
						}
					}
				}
				parallel.SetThreads(1)
			}
		}
	}
}

// TestGemmSumNTFloat64 runs the fallback on float64 against GemmBatch.
func TestGemmSumNTFloat64(t *testing.T) {
	a, b := make([]float64, 2*5*7), make([]float64, 2*9*7)
	for i := range a {
		a[i] = float64(i%5) - 2
	}
	for i := range b {
		b[i] = float64(i%3) + 0.5
	}
	c, want := make([]float64, 5*9), make([]float64, 5*9)
	GemmSumNT(2, 5, 9, 7, 1, a, 7, 35, b, 7, 63, 0, c, 9)
	GemmBatch(2, false, true, 5, 9, 7, 1, a, 7, 35, b, 7, 63, 0, want, 9, 0)
	for i := range c {
		if c[i] != want[i] {
			t.Fatalf("C[%d] = %v, want %v", i, c[i], want[i])
		}
	}
}
