package tensor

import (
	"fmt"
	"testing"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// mlpShapes are the products of one training step of a 784-512-256-10
// MLP at batch 128: the forward X·Wᵀ, and backward dX = dY·W, dW = dYᵀ·X.
var mlpShapes = []struct {
	name    string
	tA, tB  bool
	m, n, k int
}{
	{"fwd1_128x784·512x784ᵀ", false, true, 128, 512, 784},
	{"fwd2_128x512·256x512ᵀ", false, true, 128, 256, 512},
	{"fwd3_128x256·10x256ᵀ", false, true, 128, 10, 256},
	{"dX1_128x512·512x784", false, false, 128, 784, 512},
	{"dW1_128x512ᵀ·128x784", true, false, 512, 784, 128},
	{"dX2_128x256·256x512", false, false, 128, 512, 256},
	{"dW2_128x256ᵀ·128x512", true, false, 256, 512, 128},
	{"dX3_128x10·10x256", false, false, 128, 256, 10},
	{"dW3_128x10ᵀ·128x256", true, false, 10, 256, 128},
}

func benchGemm[T Float](b *testing.B) {
	for _, s := range mlpShapes {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", s.name, th), func(b *testing.B) {
				defer parallel.SetThreads(parallel.SetThreads(th))
				ar, ac := s.m, s.k
				if s.tA {
					ar, ac = s.k, s.m
				}
				br, bc := s.k, s.n
				if s.tB {
					br, bc = s.n, s.k
				}
				x, y, c := make([]T, ar*ac), make([]T, br*bc), make([]T, s.m*s.n)
				for i := range x {
					x[i] = T(i%7) - 3
				}
				for i := range y {
					y[i] = T(i%5) - 2
				}
				for b.Loop() {
					Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, x, ac, y, bc, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkSgemm: float32 GEMM on the MLP shapes at 1 and 2 threads.
func BenchmarkSgemm(b *testing.B) { benchGemm[float32](b) }

// BenchmarkSgemmGo: the same with the portable Go kernel.
func BenchmarkSgemmGo(b *testing.B) {
	defer func(e bool) { kernel.Enabled = e }(kernel.Enabled)
	kernel.Enabled = false
	benchGemm[float32](b)
}

// BenchmarkDgemm: float64 GEMM on the MLP shapes.
func BenchmarkDgemm(b *testing.B) { benchGemm[float64](b) }

// BenchmarkFMAPeak: one core's float32 FMA peak, from a loop of independent
// FMAs in the widest SIMD available: the ceiling for BenchmarkSgemm.
func BenchmarkFMAPeak(b *testing.B) {
	var flops int
	for b.Loop() {
		flops = kernel.FMAPeak(1 << 16)
	}
	if flops == 0 {
		b.Skip("no SIMD kernels")
	}
	b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
