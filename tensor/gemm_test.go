package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// gemmCase is one product: dimensions, transposes, scalars and padding of
// the leading dimensions (sub-matrices of wider buffers).
type gemmCase struct {
	tA, tB      bool
	m, n, k     int
	alpha, beta float64
	pad         int // extra columns in every leading dimension
}

func (g gemmCase) String() string {
	return fmt.Sprintf("%s%s/%dx%dx%d/a=%v,b=%v,pad=%d", tr(g.tA), tr(g.tB), g.m, g.n, g.k, g.alpha, g.beta, g.pad)
}

func tr(t bool) string {
	if t {
		return "T"
	}
	return "N"
}

// refGemm is the textbook triple loop in float64.
func refGemm[T Float](g gemmCase, a []T, lda int, b []T, ldb int, c []T, ldc int) []float64 {
	out := make([]float64, len(c))
	for i := range c {
		out[i] = float64(c[i])
	}
	for i := range g.m {
		for j := range g.n {
			var s float64
			for p := range g.k {
				var av, bv T
				if g.tA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if g.tB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			v := g.alpha * s
			if g.beta != 0 {
				v += g.beta * float64(c[i*ldc+j])
			}
			out[i*ldc+j] = v
		}
	}
	return out
}

// runCase checks Gemm against refGemm, including that elements of the
// buffers outside C's m×n window are untouched.
func runCase[T Float](t *testing.T, g gemmCase, rng *rand.Rand, tol float64) {
	t.Helper()
	ar, ac := g.m, g.k
	if g.tA {
		ar, ac = g.k, g.m
	}
	br, bc := g.k, g.n
	if g.tB {
		br, bc = g.n, g.k
	}
	lda, ldb, ldc := ac+g.pad, bc+g.pad, g.n+g.pad
	fill := func(r, ld int) []T {
		x := make([]T, r*ld+g.pad)
		for i := range x {
			x[i] = T(rng.Float64()*2 - 1)
		}
		return x
	}
	a, b, c := fill(ar, max(lda, 1)), fill(br, max(ldb, 1)), fill(g.m, max(ldc, 1))
	if g.beta == 0 {
		for i := range g.m {
			for j := range g.n {
				c[i*ldc+j] = T(math.NaN())
			}
		}
	}
	want := refGemm(g, a, max(lda, 1), b, max(ldb, 1), c, max(ldc, 1))
	Gemm(g.tA, g.tB, g.m, g.n, g.k, T(g.alpha), a, max(lda, 1), b, max(ldb, 1), T(g.beta), c, max(ldc, 1))
	for i, w := range want {
		got := float64(c[i])
		if math.Abs(got-w) > tol*(1+math.Abs(w))*math.Sqrt(float64(g.k+1)) || math.IsNaN(got) != math.IsNaN(w) {
			t.Fatalf("%v (%s): c[%d] = %v, want %v", g, kernel.ISA(), i, got, w)
		}
	}
}

// gemmCases covers every shape class: tiny, each dimension through 1..70
// with the others odd, tall and skinny, narrow outputs, the network
// layer shapes, every transpose, alpha/beta and padded leading dimensions.
func gemmCases(short bool) []gemmCase {
	var cs []gemmCase
	ops := [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}
	step := 1
	if short {
		step = 3
	}
	for _, op := range ops {
		for d := 1; d <= 70; d += step {
			cs = append(cs,
				gemmCase{tA: op[0], tB: op[1], m: d, n: 37, k: 19, alpha: 1},
				gemmCase{tA: op[0], tB: op[1], m: 29, n: d, k: 23, alpha: 1, beta: 1},
				gemmCase{tA: op[0], tB: op[1], m: 13, n: 41, k: d, alpha: -0.5, beta: 0.25, pad: 3},
			)
		}
		for _, s := range [][3]int{
			{1, 1, 1}, {2, 3, 4}, {1, 100, 1}, {100, 1, 1}, {1, 1, 300}, {0, 5, 5}, {5, 0, 5}, {5, 5, 0},
			{300, 3, 17}, {3, 300, 17}, {128, 10, 256}, {10, 256, 128}, {128, 256, 10},
			{97, 61, 300}, {250, 70, 9}, {64, 520, 33}, {13, 3100, 7},
		} {
			cs = append(cs,
				gemmCase{tA: op[0], tB: op[1], m: s[0], n: s[1], k: s[2], alpha: 1},
				gemmCase{tA: op[0], tB: op[1], m: s[0], n: s[1], k: s[2], alpha: 2, beta: -1, pad: 5},
			)
		}
	}
	cs = append(cs,
		gemmCase{m: 7, n: 9, k: 11, alpha: 0, beta: 2},
		gemmCase{m: 7, n: 9, k: 11, alpha: 0, beta: 0},
		gemmCase{tB: true, m: 61, n: 300, k: 530, alpha: 1, beta: 0},   // several k blocks
		gemmCase{tA: true, m: 260, n: 45, k: 270, alpha: 1, beta: 0.5}, // several m blocks
	)
	return cs
}

func testGemm[T Float](t *testing.T, tol float64) {
	for _, mode := range []struct {
		simd, avx512, blocked bool
	}{{true, true, false}, {true, true, true}, {true, false, false}, {true, false, true}, {false, false, false}, {false, false, true}} {
		simd := mode.simd
		if simd && !kernel.Enabled {
			continue
		}
		t.Run(fmt.Sprintf("simd=%v/avx512=%v/blocked=%v", simd, mode.avx512, mode.blocked), func(t *testing.T) {
			defer func(e, e5 bool, a, b int) {
				kernel.Enabled, kernel.AVX512, wholeA, wholeB = e, e5, a, b
			}(kernel.Enabled, kernel.AVX512, wholeA, wholeB)
			kernel.Enabled, kernel.AVX512 = simd, mode.avx512
			if mode.blocked {
				wholeA, wholeB = 0, 0
			}
			rng := rand.New(rand.NewPCG(3, 4))
			isa := kernel.ISA()
			if simd && isa == "go" || !simd && isa != "go" || mode.avx512 && isa == "avx2" {
				t.Skipf("kernels %s", isa)
			}
			for _, g := range gemmCases(testing.Short() || raceEnabled) {
				runCase[T](t, g, rng, tol)
			}
		})
	}
}

func TestGemm32(t *testing.T) { testGemm[float32](t, 2e-6) }
func TestGemm64(t *testing.T) { testGemm[float64](t, 1e-14) }

// TestGemmThreads: results are bit-identical for 1 and 2 threads, and the
// SIMD and Go kernels agree within rounding.
func TestGemmThreads(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m, n, k := 200, 300, 530
	a, b := make([]float32, m*k), make([]float32, n*k)
	for i := range a {
		a[i] = rng.Float32()*2 - 1
	}
	for i := range b {
		b[i] = rng.Float32()*2 - 1
	}
	run := func(th int) []float32 {
		defer parallel.SetThreads(parallel.SetThreads(th))
		c := make([]float32, m*n)
		Gemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n)
		return c
	}
	c1, c2, c3 := run(1), run(2), run(3)
	for i := range c1 {
		if c1[i] != c2[i] || c1[i] != c3[i] {
			t.Fatalf("c[%d]: %v (1 thread) %v (2) %v (3)", i, c1[i], c2[i], c3[i])
		}
	}
}

func TestGemmPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"negative", func() { Gemm[float32](false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) }},
		{"short A", func() {
			Gemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"short C", func() {
			Gemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		}},
		{"lda", func() {
			Gemm(false, false, 2, 2, 2, 1, make([]float32, 4), 1, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"ldb trans", func() {
			Gemm(false, true, 2, 3, 2, 1, make([]float32, 4), 2, make([]float32, 6), 1, 0, make([]float32, 6), 3)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.f()
		})
	}
}

func TestGemmNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("race detector allocates")
	}
	a, b, c := make([]float32, 128*256), make([]float32, 256*64), make([]float32, 128*64)
	Gemm(false, false, 128, 64, 256, 1, a, 256, b, 64, 0, c, 64)
	if n := testing.AllocsPerRun(20, func() {
		Gemm(false, false, 128, 64, 256, 1, a, 256, b, 64, 0, c, 64)
	}); n != 0 {
		t.Fatalf("%v allocations per Gemm", n)
	}
}

func TestMatMul(t *testing.T) {
	a := Zeros[float64](2, 3)
	b := Zeros[float64](4, 3)
	copy(a.Data, []float64{1, 2, 3, 4, 5, 6})
	copy(b.Data, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1})
	c := Zeros[float64](2, 4)
	if err := MatMul(c, false, true, 1, a, b, 0); err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 2, 3, 6, 4, 5, 6, 15}
	for i := range want {
		if c.Data[i] != want[i] {
			t.Fatalf("got %v, want %v", c.Data, want)
		}
	}
	for _, tc := range []struct {
		name    string
		c, a, b *Tensor[float64]
		tA, tB  bool
	}{
		{"inner", Zeros[float64](2, 4), a, b, false, false},
		{"out", Zeros[float64](3, 4), a, b, false, true},
		{"vector", Zeros[float64](2, 4), Zeros[float64](6), b, false, true},
	} {
		if err := MatMul(tc.c, tc.tA, tc.tB, 1, tc.a, tc.b, 0); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestGemmConcurrent: calls from several goroutines at once each get their
// own packing buffers.
func TestGemmConcurrent(t *testing.T) {
	const m, n, k = 70, 90, 300
	rng := rand.New(rand.NewPCG(7, 7))
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = rng.Float32()
	}
	for i := range b {
		b[i] = rng.Float32()
	}
	want := make([]float32, m*n)
	Gemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			c := make([]float32, m*n)
			for range 5 {
				Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				for i := range c {
					if c[i] != want[i] {
						errs <- fmt.Errorf("c[%d] = %v, want %v", i, c[i], want[i])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestGemmSIMDMatchesGo: the AVX-512, AVX2 and Go kernels agree to within
// float32 rounding on the layer shapes (they sum in different orders).
func TestGemmSIMDMatchesGo(t *testing.T) {
	if !kernel.Enabled {
		t.Skip("no SIMD kernels on this machine")
	}
	defer func(e, e5 bool) { kernel.Enabled, kernel.AVX512 = e, e5 }(kernel.Enabled, kernel.AVX512)
	rng := rand.New(rand.NewPCG(8, 8))
	for _, s := range mlpShapes {
		ar, ac := s.m, s.k
		if s.tA {
			ar, ac = s.k, s.m
		}
		br, bc := s.k, s.n
		if s.tB {
			br, bc = s.n, s.k
		}
		a, b := make([]float32, ar*ac), make([]float32, br*bc)
		for i := range a {
			a[i] = rng.Float32()*2 - 1
		}
		for i := range b {
			b[i] = rng.Float32()*2 - 1
		}
		run := func(simd, avx512 bool) []float32 {
			kernel.Enabled, kernel.AVX512 = simd, avx512
			c := make([]float32, s.m*s.n)
			Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, ac, b, bc, 0, c, s.n)
			return c
		}
		ref := run(false, false)
		for _, avx512 := range []bool{true, false} {
			got := run(true, avx512)
			for i := range ref {
				if d := math.Abs(float64(got[i] - ref[i])); d > 1e-5*math.Sqrt(float64(s.k)) {
					t.Fatalf("%s avx512=%v: c[%d] = %v, Go kernel %v", s.name, avx512, i, got[i], ref[i])
				}
			}
		}
	}
}

// TestGemmBatch: a batch gives the same bits as a loop of Gemm calls (with
// beta, then 1, when the products are summed), for shared and separate
// operands, whole and blocked packing, small groups, both precisions and
// one or two threads.
func TestGemmBatch(t *testing.T) {
	t.Run("float32", testGemmBatch[float32])
	t.Run("float64", testGemmBatch[float64])
}

func testGemmBatch[T Float](t *testing.T) {
	defer func(a, b, g int) { wholeA, wholeB, wholeBatch = a, b, g }(wholeA, wholeB, wholeBatch)
	defer parallel.SetThreads(parallel.SetThreads(2))
	rng := rand.New(rand.NewPCG(7, 8))
	type shape struct {
		tA, tB  bool
		m, n, k int
	}
	shapes := []shape{
		{false, false, 6, 784, 25}, {false, true, 6, 25, 784}, {false, false, 16, 100, 150},
		{false, true, 16, 150, 100}, {true, false, 150, 100, 16}, {true, true, 13, 41, 19},
		{false, false, 3, 5, 300}, {false, false, 40, 7, 9}, // the swapped product
	}
	for _, mode := range []struct {
		name        string
		a, b, batch int
		threads     int
		alpha, beta T
	}{
		{name: "whole", a: wholeA, b: wholeB, batch: wholeBatch, threads: 2, alpha: 1},
		{name: "whole/1 thread", a: wholeA, b: wholeB, batch: wholeBatch, threads: 1, alpha: -0.5, beta: 2},
		{name: "groups", a: wholeA, b: wholeB, batch: 1, threads: 2, alpha: 1, beta: 0.5},
		{name: "blocked", threads: 2, alpha: 2, beta: -1},
	} {
		wholeA, wholeB, wholeBatch = mode.a, mode.b, mode.batch
		parallel.SetThreads(mode.threads)
		for _, s := range shapes {
			for _, strides := range [][3]bool{{true, true, true}, {false, true, true}, {true, false, true}, {true, true, false}, {false, true, false}} {
				const count = 5
				ar, ac := s.m, s.k
				if s.tA {
					ar, ac = s.k, s.m
				}
				br, bc := s.k, s.n
				if s.tB {
					br, bc = s.n, s.k
				}
				lda, ldb, ldc := ac+1, bc+2, s.n+3
				sA, sB, sC := 0, 0, 0
				if strides[0] {
					sA = ar*lda + 4
				}
				if strides[1] {
					sB = br*ldb + 1
				}
				if strides[2] {
					sC = s.m*ldc + 2
				}
				a := randTensor[T](rng, 1, (count-1)*sA+ar*lda).Data
				b := randTensor[T](rng, 1, (count-1)*sB+br*ldb).Data
				c0 := randTensor[T](rng, 1, (count-1)*sC+s.m*ldc).Data
				want, got := append([]T(nil), c0...), append([]T(nil), c0...)
				for i := range count {
					beta := mode.beta
					if sC == 0 && i > 0 {
						beta = 1
					}
					Gemm(s.tA, s.tB, s.m, s.n, s.k, mode.alpha, a[i*sA:], lda, b[i*sB:], ldb, beta, want[i*sC:], ldc)
				}
				GemmBatch(count, s.tA, s.tB, s.m, s.n, s.k, mode.alpha, a, lda, sA, b, ldb, sB, mode.beta, got, ldc, sC)
				for i := range want {
					if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) {
						t.Fatalf("%s %+v strides %d %d %d: c[%d] = %v, want %v", mode.name, s, sA, sB, sC, i, got[i], want[i])
					}
				}
			}
		}
	}
	// No products: C is untouched, or scaled by beta when they are summed.
	c := []T{1, 2, 3, 4}
	GemmBatch(0, false, false, 2, 2, 2, 1, nil, 2, 4, nil, 2, 4, 0, c, 2, 4)
	GemmBatch(0, false, false, 2, 2, 2, 1, nil, 2, 4, nil, 2, 4, 3, c, 2, 0)
	if c[0] != 3 || c[3] != 12 {
		t.Fatalf("empty batch: c = %v", c)
	}
}

func TestGemmBatchPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"count": func() { GemmBatch[float32](-1, false, false, 2, 2, 2, 1, nil, 2, 0, nil, 2, 0, 0, nil, 2, 0) },
		"stride": func() {
			GemmBatch(2, false, false, 2, 2, 2, 1, make([]float32, 8), 2, -4, make([]float32, 8), 2, 4, 0, make([]float32, 8), 2, 4)
		},
		"short B": func() {
			GemmBatch(2, false, false, 2, 2, 2, 1, make([]float32, 8), 2, 4, make([]float32, 7), 2, 4, 0, make([]float32, 8), 2, 4)
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

// TestSgemmShort: the 6×64 kernel is chosen for a convolution's few
// filters, not for wide products, and gives the usual kernel's bits.
func TestSgemmShort(t *testing.T) {
	short, ok := kernel.SgemmShort()
	if !ok {
		t.Skip("no short kernel")
	}
	for _, c := range []struct {
		m, n int
		want bool
	}{{6, 784, true}, {16, 100, true}, {3, 300, true}, {128, 512, false}, {150, 100, false}} {
		if got := sgemmFor(c.m, c.n).MR == short.MR; got != c.want {
			t.Errorf("%d×%d: short kernel %v, want %v", c.m, c.n, got, c.want)
		}
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for _, s := range [][3]int{{6, 784, 25}, {16, 100, 150}, {5, 67, 300}, {13, 130, 9}} {
		m, n, k := s[0], s[1], s[2]
		a, b := make([]float32, m*k), make([]float32, k*n)
		for i := range a {
			a[i] = float32(rng.NormFloat64())
		}
		for i := range b {
			b[i] = float32(rng.NormFloat64())
		}
		var got [2][]float32
		for i, g := range []kernel.Gemm[float32]{short, kernel.Sgemm()} {
			got[i] = make([]float32, m*n)
			w := newWork[float32]()
			w.run(g, false, false, m, n, k, 1, a, k, 0, b, n, 0, 0, got[i], n, 0, 1)
		}
		for i := range got[0] {
			if math.Float32bits(got[0][i]) != math.Float32bits(got[1][i]) {
				t.Fatalf("%v: C[%d] = %v with the short kernel, %v with the usual", s, i, got[0][i], got[1][i])
			}
		}
	}
}
