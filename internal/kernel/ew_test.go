package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAddColSums: the SIMD sums give the same bits as the Go loops they
// replace, on every ISA, and do only whole blocks.
func TestAddColSums(t *testing.T) {
	defer func(e, e5 bool) { Enabled, AVX512 = e, e5 }(Enabled, AVX512)
	rng := rand.New(rand.NewPCG(5, 5))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0, 1e-40, 3e38}
	fill := func(x []float32) {
		for i := range x {
			x[i] = float32(rng.NormFloat64())
			if rng.IntN(20) == 0 {
				x[i] = special[rng.IntN(len(special))]
			}
		}
	}
	for _, isa := range []struct{ simd, avx512 bool }{{true, true}, {true, false}} {
		Enabled, AVX512 = isa.simd, isa.avx512
		if ISA() == "go" {
			continue
		}
		block, lanes := 64, 16
		if ISA() == "avx2" {
			block, lanes = 32, 8
		}
		for _, n := range []int{0, 1, 7, 8, 16, 31, 32, 63, 64, 65, 200, 512, 1000} {
			a, b, d := make([]float32, n), make([]float32, n), make([]float32, n)
			fill(a)
			fill(b)
			if ISA() == "avx512" {
				s := float32(rng.NormFloat64())
				k := AddConst(d, a, s)
				if k != n/64*64 {
					t.Fatalf("add const did %d of %d", k, n)
				}
				for i := range k {
					if want := a[i] + s; !same(d[i], want) {
						t.Fatalf("add const %v + %v = %v", a[i], s, d[i])
					}
				}
			} else if AddConst(d, a, 1) != 0 {
				t.Fatalf("%s: add const ran without AVX-512", ISA())
			}
			k := Add(d, a, b)
			if k != n/block*block {
				t.Fatalf("%s: add did %d of %d", ISA(), k, n)
			}
			for i := range k {
				if want := a[i] + b[i]; !same(d[i], want) {
					t.Fatalf("%s: add %v + %v = %v", ISA(), a[i], b[i], d[i])
				}
			}
			for _, rows := range []int{0, 1, 3, 128} {
				ld := n + rows%3
				x := make([]float32, max(0, (rows-1)*ld+n))
				fill(x)
				d := make([]float32, n)
				for i := range d {
					d[i] = 42
				}
				k := ColSums(d, x, rows, ld)
				if k != n/lanes*lanes {
					t.Fatalf("%s: column sums did %d of %d", ISA(), k, n)
				}
				for j := range k {
					var want float32
					for r := range rows {
						want += x[r*ld+j]
					}
					if !same(d[j], want) {
						t.Fatalf("%s: column %d of %d rows: %v, want %v", ISA(), j, rows, d[j], want)
					}
				}
				for j := k; j < n; j++ {
					if d[j] != 42 {
						t.Fatalf("%s: column %d past the blocks written", ISA(), j)
					}
				}
			}
		}
	}
}
