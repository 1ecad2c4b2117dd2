package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDot3x8: each lane of each accumulator holds its own products, over
// every pair of operands, added to what acc held; small integers make
// every sum exact, so the lanes are checked bit for bit, then random
// values against a float64 sum.
func TestDot3x8(t *testing.T) {
	if ISA() != "avx512" {
		var acc [DotRows * DotCols * DotLanes]float32
		if Dot3x8(1, 1, make([]float32, 3), 1, 3, make([]float32, 8), 1, 8, &acc) {
			t.Fatal("Dot3x8 ran without AVX-512")
		}
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(3, 8))
	for _, exact := range []bool{true, false} {
		for _, k := range []int{0, 1, 5, 15, 16, 17, 31, 32, 100, 784, 1001} {
			for _, count := range []int{0, 1, 3} {
				pad := count % 2 * 3
				lda, ldb := k+pad, k+2*pad
				sa, sb := 3*lda+pad, 8*ldb+1
				a := make([]float32, max(count, 1)*sa)
				b := make([]float32, max(count, 1)*sb)
				fill := func(x []float32) {
					for i := range x {
						if exact {
							x[i] = float32(rng.IntN(17) - 8)
						} else {
							x[i] = float32(rng.NormFloat64())
						}
					}
				}
				fill(a)
				fill(b)
				var acc [DotRows * DotCols * DotLanes]float32
				for i := range acc {
					acc[i] = float32(i % 7)
				}
				if !Dot3x8(k, count, a, lda, sa, b, ldb, sb, &acc) {
					t.Fatal("Dot3x8 did not run")
				}
				for r := range DotRows {
					for q := range DotCols {
						for l := range DotLanes {
							want := float64(((r*DotCols+q)*DotLanes + l) % 7)
							var mag float64
							for i := range count {
								for p := l; p < k; p += DotLanes {
									v := float64(a[i*sa+r*lda+p]) * float64(b[i*sb+q*ldb+p])
									want += v
									mag += math.Abs(v)
								}
							}
							got := float64(acc[(r*DotCols+q)*DotLanes+l])
							if exact && got != want || !exact && math.Abs(got-want) > 1e-6*(mag+10) {
								t.Fatalf("k %d count %d: lane %d of (%d, %d) = %v, want %v", k, count, l, r, q, got, want)
							}
						}
					}
				}
			}
		}
	}
}
