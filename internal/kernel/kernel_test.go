package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// kernels32 lists every float32 kernel this machine can run.
func kernels32() []Gemm[float32] {
	ks := []Gemm[float32]{{GoMR, GoNR, "go", gemmGo[float32]}}
	if hasAVX2 {
		ks = append(ks, Gemm[float32]{6, 16, "avx2", sgemmAVX2})
	}
	if hasAVX512 {
		ks = append(ks, Gemm[float32]{12, 32, "avx512", sgemmAVX512}, Gemm[float32]{6, 64, "avx512", sgemm6x64AVX512})
	}
	return ks
}

func kernels64() []Gemm[float64] {
	ks := []Gemm[float64]{{GoMR, GoNR, "go", gemmGo[float64]}}
	if hasAVX2 {
		ks = append(ks, Gemm[float64]{6, 8, "avx2", dgemmAVX2})
	}
	if hasAVX512 {
		ks = append(ks, Gemm[float64]{12, 16, "avx512", dgemmAVX512})
	}
	return ks
}

// checkKernel runs g on random panels and compares every tile element, and
// the padding around the tile, with a float64 reference.
func checkKernel[T Float](t *testing.T, g Gemm[T], tol float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 67} {
		rows := max(1, g.MR-k%3) // full tiles and one or two rows short
		for _, ab := range [][2]T{{1, 0}, {1, 1}, {-0.5, 2}, {2, -0.5}, {0, 1}} {
			alpha, beta := ab[0], ab[1]
			ldc := g.NR + 3
			ldb := g.NR + k%5 // packed, or rows of a wider B
			a := make([]T, k*g.MR)
			b := make([]T, k*ldb)
			c := make([]T, g.MR*ldc)
			for i := range a {
				a[i] = T(rng.Float64()*2 - 1)
			}
			for i := range b {
				b[i] = T(rng.Float64()*2 - 1)
			}
			for i := range c {
				c[i] = T(rng.Float64()*2 - 1)
				if beta == 0 && i%ldc < g.NR {
					c[i] = T(math.NaN())
				}
			}
			c0 := append([]T(nil), c...)
			var a0, b0 *T
			if k > 0 {
				a0, b0 = &a[0], &b[0]
			}
			g.Fn(k, a0, b0, &c[0], ldb, ldc, rows, alpha, beta)
			for i := range g.MR {
				for j := range ldc {
					got := float64(c[i*ldc+j])
					if j >= g.NR || i >= rows {
						if got != float64(c0[i*ldc+j]) && !math.IsNaN(got) {
							t.Fatalf("%s k=%d: wrote outside the tile at (%d,%d)", g.Name, k, i, j)
						}
						continue
					}
					var s float64
					for p := range k {
						s += float64(a[p*g.MR+i]) * float64(b[p*ldb+j])
					}
					want := float64(alpha) * s
					if beta != 0 {
						want += float64(beta) * float64(c0[i*ldc+j])
					}
					if math.Abs(got-want) > tol*(1+math.Abs(want)+float64(k)) {
						t.Fatalf("%s k=%d alpha=%v beta=%v: c[%d,%d] = %v, want %v", g.Name, k, alpha, beta, i, j, got, want)
					}
				}
			}
		}
	}
}

func TestKernels(t *testing.T) {
	for _, g := range kernels32() {
		t.Run("float32/"+g.Name, func(t *testing.T) { checkKernel(t, g, 1e-5) })
	}
	for _, g := range kernels64() {
		t.Run("float64/"+g.Name, func(t *testing.T) { checkKernel(t, g, 1e-13) })
	}
}

func TestSelection(t *testing.T) {
	defer func(e bool) { Enabled = e }(Enabled)
	Enabled = false
	if ISA() != "go" || Sgemm().Name != "go" || Dgemm().Name != "go" || FMAPeak(10) != 0 {
		t.Fatal("Enabled = false must select the Go kernels")
	}
	Enabled = true
	if (hasAVX512 || hasAVX2) && Sgemm().Name == "go" {
		t.Fatal("SIMD kernels not selected")
	}
	defer func(e bool) { AVX512 = e }(AVX512)
	AVX512 = false
	if hasAVX2 && (ISA() != "avx2" || Sgemm().Name != "avx2" || Dgemm().Name != "avx2") {
		t.Fatal("AVX512 = false must select the AVX2 kernels")
	}
}

func BenchmarkFMAPeak(b *testing.B) {
	const n = 1 << 16
	var flops int
	for b.Loop() {
		flops = FMAPeak(n)
	}
	if flops == 0 {
		b.Skip("no SIMD")
	}
	b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkKernel: the float32 kernel alone on L1-resident panels.
func BenchmarkKernel(b *testing.B) {
	g := Sgemm()
	const k = 256
	a := make([]float32, k*g.MR)
	bb := make([]float32, k*g.NR)
	c := make([]float32, g.MR*g.NR)
	for b.Loop() {
		g.Fn(k, &a[0], &bb[0], &c[0], g.NR, g.NR, g.MR, 1, 1)
	}
	b.ReportMetric(float64(2*k*g.MR*g.NR)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
