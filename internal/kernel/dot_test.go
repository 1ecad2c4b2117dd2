package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDot3x8: each lane of each accumulator holds its own products, added
// to what acc held; small integers make every sum exact, so the lanes are
// checked bit for bit, then random values against a float64 sum.
func TestDot3x8(t *testing.T) {
	if ISA() != "avx512" {
		var acc [DotRows * DotCols * DotLanes]float32
		if Dot3x8(1, make([]float32, 3), 1, make([]float32, 8), 1, &acc) {
			t.Fatal("Dot3x8 ran without AVX-512")
		}
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(3, 8))
	for _, exact := range []bool{true, false} {
		for _, k := range []int{0, 1, 5, 15, 16, 17, 31, 32, 100, 784, 1001} {
			for _, pad := range []int{0, 3} {
				lda, ldb := k+pad, k+2*pad
				a := make([]float32, 2*lda+k)
				b := make([]float32, 7*ldb+k)
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
				if !Dot3x8(k, a, lda, b, ldb, &acc) {
					t.Fatal("Dot3x8 did not run")
				}
				for r := range DotRows {
					for q := range DotCols {
						for l := range DotLanes {
							want := float64(((r*DotCols+q)*DotLanes + l) % 7)
							var mag float64
							for p := l; p < k; p += DotLanes {
								v := float64(a[r*lda+p]) * float64(b[q*ldb+p])
								want += v
								mag += math.Abs(v)
							}
							got := float64(acc[(r*DotCols+q)*DotLanes+l])
							if exact && got != want || !exact && math.Abs(got-want) > 1e-6*(mag+10) {
								t.Fatalf("k %d lda %d ldb %d: lane %d of (%d, %d) = %v, want %v", k, lda, ldb, l, r, q, got, want)
							}
						}
					}
				}
			}
		}
	}
}
