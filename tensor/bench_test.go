package tensor

import (
	"fmt"
	"math/rand/v2"
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

// BenchmarkSgemmAVX2: the same with the AVX2/FMA kernel (on AVX-512
// machines).
func BenchmarkSgemmAVX2(b *testing.B) {
	defer func(e bool) { kernel.AVX512 = e }(kernel.AVX512)
	kernel.AVX512 = false
	if kernel.ISA() != "avx2" {
		b.Skip("no AVX2 kernels")
	}
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

// BenchmarkOps: element-wise, row-wise and convolution helpers on
// activation-sized tensors (ns/op; B/s counts the elements read and
// written as float32).
func BenchmarkOps(b *testing.B) {
	x, y, d := Full[float32](0.5, 128, 512), Zeros[float32](128, 512), Zeros[float32](128, 512)
	// Pre-activations of random sign, as in training.
	xr, xr64, dy64 := Zeros[float32](128, 512), Zeros[float64](128, 512), Zeros[float64](128, 512)
	for i := range xr.Data {
		xr.Data[i] = float32(i*7919%1000) - 499.5
		xr64.Data[i] = float64(xr.Data[i])
	}
	bias := Zeros[float32](512)
	img := Full[float32](0.5, 32, 16, 28, 28)
	g := Window{KH: 3, KW: 3, PH: 1, PW: 1}
	cs, _ := g.ColShape(32, 16, 28, 28)
	cols := Zeros[float32](cs...)
	pooled := Zeros[float32](32, 16, 14, 14)
	idx := make([]int, pooled.Len())
	pw := Window{KH: 2, KW: 2, SH: 2, SW: 2}
	// Pooling reads activations in no order (the maximum's position is
	// random) and writes gradients to dimg.
	pimg, dimg := Zeros[float32](32, 16, 28, 28), Zeros[float32](32, 16, 28, 28)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range pimg.Data {
		pimg.Data[i] = rng.Float32()
	}
	// The convolutions of a LeNet-like network at batch 32: 5×5 over one
	// padded 28×28 channel, and over six 14×14 channels.
	l1, l2 := Window{KH: 5, KW: 5, PH: 2, PW: 2}, Window{KH: 5, KW: 5}
	img1, img2 := Full[float32](0.5, 32, 1, 28, 28), Full[float32](0.5, 32, 6, 14, 14)
	cs1, _ := l1.ColShape(32, 1, 28, 28)
	cs2, _ := l2.ColShape(32, 6, 14, 14)
	cols1, cols2 := Zeros[float32](cs1...), Zeros[float32](cs2...)
	for _, bc := range []struct {
		name  string
		bytes int
		f     func()
	}{
		{"Add_128x512", 12 * x.Len(), func() { _ = Add(d, x, y) }},
		{"AddRow_128x512", 8 * x.Len(), func() { _ = AddRow(d, x, bias) }},
		{"ReLU_128x512", 8 * x.Len(), func() { _ = ReLU(d, x) }},
		{"ReLUBackward_128x512", 12 * x.Len(), func() { _ = ReLUBackward(d, y, x) }},
		{"ReLUBackward_signs_128x512", 12 * x.Len(), func() { _ = ReLUBackward(d, y, xr) }},
		{"ReLUBackward_signs_f64_128x512", 12 * x.Len(), func() { _ = ReLUBackward(dy64, dy64, xr64) }},
		{"LeakyReLUBackward_signs_128x512", 12 * x.Len(), func() { _ = LeakyReLUBackward(d, y, xr, 0.01) }},
		{"Sigmoid_128x512", 8 * x.Len(), func() { _ = Sigmoid(d, x) }},
		{"Tanh_128x512", 8 * x.Len(), func() { _ = Tanh(d, x) }},
		{"GELU_128x512", 8 * x.Len(), func() { _ = GELU(d, x) }},
		{"Softmax_128x512", 8 * x.Len(), func() { _ = Softmax(d, x) }},
		{"ColSums_128x512", 4 * x.Len(), func() { _ = ColSums(bias, x) }},
		{"Im2Col_32x16x28x28_3x3", 4 * (img.Len() + cols.Len()), func() { _ = Im2Col(cols, img, g) }},
		{"Col2Im_32x16x28x28_3x3", 4 * (img.Len() + cols.Len()), func() { _ = Col2Im(img, cols, g) }},
		{"Im2Col_32x1x28x28_5x5p2", 4 * (img1.Len() + cols1.Len()), func() { _ = Im2Col(cols1, img1, l1) }},
		{"Im2Col_32x6x14x14_5x5", 4 * (img2.Len() + cols2.Len()), func() { _ = Im2Col(cols2, img2, l2) }},
		{"Col2Im_32x6x14x14_5x5", 4 * (img2.Len() + cols2.Len()), func() { _ = Col2Im(img2, cols2, l2) }},
		{"MaxPool2D_32x16x28x28_2x2", 4 * (img.Len() + pooled.Len()), func() { _ = MaxPool2D(pooled, idx, pimg, pw) }},
		{"MaxPool2DBackward_32x16x28x28_2x2", 4 * (img.Len() + pooled.Len()), func() { _ = MaxPool2DBackward(dimg, pooled, idx, pw) }},
		{"AvgPool2D_32x16x28x28_2x2", 4 * (img.Len() + pooled.Len()), func() { _ = AvgPool2D(pooled, pimg, pw) }},
		{"AvgPool2DBackward_32x16x28x28_2x2", 4 * (img.Len() + pooled.Len()), func() { _ = AvgPool2DBackward(dimg, pooled, pw) }},
	} {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", bc.name, th), func(b *testing.B) {
				defer parallel.SetThreads(parallel.SetThreads(th))
				b.SetBytes(int64(bc.bytes))
				for b.Loop() {
					bc.f()
				}
			})
		}
	}
}
