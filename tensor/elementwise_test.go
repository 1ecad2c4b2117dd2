package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

func randTensor[T Float](rng *rand.Rand, scale float64, shape ...int) *Tensor[T] {
	t := Zeros[T](shape...)
	for i := range t.Data {
		t.Data[i] = T((rng.Float64()*2 - 1) * scale)
	}
	return t
}

func closeTo(got, want, tol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= tol*(1+math.Abs(want))
}

// TestElementwise checks every element-wise op against its formula, for a
// size that spans several parallel chunks and one below a chunk.
func TestElementwise(t *testing.T) {
	phi := func(x float64) float64 { return 0.5 * (1 + math.Erf(x/math.Sqrt2)) }
	type f64 = Tensor[float64]
	for _, tc := range []struct {
		name string
		run  func(d, a, b *f64) error
		ref  func(a, b float64) float64
	}{
		{"add", func(d, a, b *f64) error { return Add(d, a, b) }, func(a, b float64) float64 { return a + b }},
		{"sub", func(d, a, b *f64) error { return Sub(d, a, b) }, func(a, b float64) float64 { return a - b }},
		{"mul", func(d, a, b *f64) error { return Mul(d, a, b) }, func(a, b float64) float64 { return a * b }},
		{"scale", func(d, a, b *f64) error { return Scale(d, 2.5, a) }, func(a, b float64) float64 { return 2.5 * a }},
		{"axpy", func(d, a, b *f64) error { d.CopyFrom(b); return Axpy(d, -3, a) }, func(a, b float64) float64 { return b - 3*a }},
		{"relu", func(d, a, b *f64) error { return ReLU(d, a) }, func(a, b float64) float64 { return max(a, 0) }},
		{"relu'", func(d, a, b *f64) error { return ReLUBackward(d, a, b) }, func(a, b float64) float64 {
			if b > 0 {
				return a
			}
			return 0
		}},
		{"leaky", func(d, a, b *f64) error { return LeakyReLU(d, a, 0.1) }, func(a, b float64) float64 {
			if a < 0 {
				return 0.1 * a
			}
			return a
		}},
		{"leaky'", func(d, a, b *f64) error { return LeakyReLUBackward(d, a, b, 0.1) }, func(a, b float64) float64 {
			if b > 0 {
				return a
			}
			return 0.1 * a
		}},
		{"sigmoid", func(d, a, b *f64) error { return Sigmoid(d, a) }, func(a, b float64) float64 { return 1 / (1 + math.Exp(-a)) }},
		{"sigmoid'", func(d, a, b *f64) error { return SigmoidBackward(d, a, b) }, func(a, b float64) float64 { return a * b * (1 - b) }},
		{"tanh", func(d, a, b *f64) error { return Tanh(d, a) }, func(a, b float64) float64 { return math.Tanh(a) }},
		{"tanh'", func(d, a, b *f64) error { return TanhBackward(d, a, b) }, func(a, b float64) float64 { return a * (1 - b*b) }},
		{"gelu", func(d, a, b *f64) error { return GELU(d, a) }, func(a, b float64) float64 { return a * phi(a) }},
		{"gelu'", func(d, a, b *f64) error { return GELUBackward(d, a, b) }, func(a, b float64) float64 {
			// Central difference of x·Φ(x).
			h := 1e-6
			return a * ((b+h)*phi(b+h) - (b-h)*phi(b-h)) / (2 * h)
		}},
	} {
		for _, n := range []int{1, 37, 3*ewGrain + 5} {
			rng := rand.New(rand.NewPCG(uint64(n), 7))
			a, b := randTensor[float64](rng, 8, n), randTensor[float64](rng, 8, n)
			d := Zeros[float64](n)
			if err := tc.run(d, a, b); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			tol := 1e-12
			if tc.name == "gelu'" {
				tol = 1e-6
			}
			for i := range d.Data {
				if want := tc.ref(a.Data[i], b.Data[i]); !closeTo(d.Data[i], want, tol) {
					t.Fatalf("%s n=%d [%d]: f(%v, %v) = %v, want %v", tc.name, n, i, a.Data[i], b.Data[i], d.Data[i], want)
				}
			}
		}
	}
}

// reluFamily checks ReLU's and leaky ReLU's derivatives, and leaky ReLU,
// against their branching definitions bit for bit, at special values (NaN,
// ±0, ±Inf, subnormals) and random signs, over a length that leaves a tail
// after the SIMD blocks.
func reluFamily[T Float](t *testing.T) {
	const slope = 0.01
	nan, inf := T(math.NaN()), T(math.Inf(1))
	negZero := T(math.Copysign(0, -1))
	special := []T{nan, -nan, 0, negZero, inf, -inf, T(math.SmallestNonzeroFloat64), -T(math.SmallestNonzeroFloat64), 1e-40, -1e-40, 3, -3}
	rng := rand.New(rand.NewPCG(3, 3))
	const n = 1000
	x, dy := Zeros[T](n), Zeros[T](n)
	for i := range x.Data {
		x.Data[i] = T(rng.NormFloat64())
		dy.Data[i] = T(rng.NormFloat64())
	}
	for i, v := range special { // every special x, and every special dy at both signs of x
		x.Data[i] = v
		x.Data[100+2*i], dy.Data[100+2*i] = 1, v
		x.Data[101+2*i], dy.Data[101+2*i] = -1, v
		x.Data[n-1-i] = v // in the Go tail
	}
	bits := func(v T) uint64 {
		if v != v {
			return 1 // any NaN
		}
		if unsafe.Sizeof(v) == 4 {
			return uint64(math.Float32bits(float32(v)))
		}
		return math.Float64bits(float64(v))
	}
	d := Zeros[T](n)
	check := func(name string, ref func(x, dy T) T) {
		t.Helper()
		for i, v := range x.Data {
			if want := ref(v, dy.Data[i]); bits(d.Data[i]) != bits(want) {
				t.Fatalf("%s %s at x=%v dy=%v: %v, want %v", kernel.ISA(), name, v, dy.Data[i], d.Data[i], want)
			}
		}
	}
	_ = ReLUBackward(d, dy, x)
	check("relu'", func(x, dy T) T {
		if x > 0 {
			return dy
		}
		return 0
	})
	_ = LeakyReLUBackward(d, dy, x, slope)
	check("leaky relu'", func(x, dy T) T {
		if x > 0 {
			return dy
		}
		return slope * dy
	})
	_ = LeakyReLU(d, x, slope)
	check("leaky relu", func(x, dy T) T {
		if x < 0 {
			return slope * x
		}
		return x
	})
}

func TestReLUFamilyBits(t *testing.T) {
	defer func(e, e5 bool) { kernel.Enabled, kernel.AVX512 = e, e5 }(kernel.Enabled, kernel.AVX512)
	simd := kernel.Enabled
	for _, mode := range []struct{ simd, avx512 bool }{{simd, true}, {simd, false}, {false, false}} {
		kernel.Enabled, kernel.AVX512 = mode.simd, mode.avx512
		t.Run("float32/"+kernel.ISA(), reluFamily[float32])
		t.Run("float64/"+kernel.ISA(), reluFamily[float64])
	}
}

func TestElementwiseErrors(t *testing.T) {
	a, b, c := Zeros[float32](2, 3), Zeros[float32](3, 2), Zeros[float32](2, 3)
	for name, err := range map[string]error{
		"add":     Add(c, a, b),
		"relu":    ReLU(b, a),
		"sigmoid": SigmoidBackward(c, a, b),
		"axpy":    Axpy(b, 1, a),
	} {
		if !errors.Is(err, ErrShape) {
			t.Errorf("%s: err = %v, want ErrShape", name, err)
		}
	}
}

func TestSigmoidExtremes(t *testing.T) {
	x, _ := FromSlice([]float32{-1000, -50, 0, 50, 1000, float32(math.Inf(1)), float32(math.Inf(-1))}, 7)
	y := Zeros[float32](7)
	if err := Sigmoid(y, x); err != nil {
		t.Fatal(err)
	}
	want := []float32{0, float32(1 / (1 + math.Exp(50))), 0.5, 1, 1, 1, 0}
	for i := range want {
		if y.Data[i] != want[i] {
			t.Fatalf("sigmoid(%v) = %v, want %v", x.Data[i], y.Data[i], want[i])
		}
	}
}

func TestElementwiseNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("race detector allocates")
	}
	defer parallel.SetThreads(parallel.SetThreads(2))
	a, b, c := Zeros[float32](1<<16), Zeros[float32](1<<16), Zeros[float32](1<<16)
	if n := testing.AllocsPerRun(20, func() {
		_ = Add(c, a, b)
		_ = ReLUBackward(c, a, b)
		_ = Softmax(c, a)
		_ = Sum(a)
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
