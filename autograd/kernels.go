package autograd

import (
	"math"

	"github.com/descent-ml/descent/internal/parallel"
	"github.com/descent-ml/descent/tensor"
)

// The kernels here complement package tensor: broadcasting binary maps,
// reductions to a broadcast shape, and the element-wise functions and
// derivatives tensor does not have. Like tensor's, they run over fixed
// chunks (results never depend on the thread count) and allocate nothing:
// each graph keeps one task of each kind.

// grain is the number of elements per parallel chunk.
const grain = 1 << 14

// kernels holds a graph's reusable kernel tasks.
type kernels[T tensor.Float] struct {
	ew  ewTask[T]
	red redTask[T]
}

// ewKind names an element-wise loop.
type ewKind uint8

const (
	kAdd       ewKind = iota // d = a + b̃
	kSub                     // d = a − b̃
	kMul                     // d = a · b̃
	kExpand                  // d = s · b̃
	kScale                   // d = s · a
	kAddScalar               // d = a + s
	kFunc                    // d = f⁽ᵏ⁾(a), times c when c is set
	kMask                    // d = 1 where a > 0, else s (ReLU's and leaky ReLU's derivative)
	kBCE                     // d = max(a, 0) − a·b + log(1 + e^−|a|)
	kBCEGrad                 // d = c · (σ(a) − b)
)

// fnKind names a smooth element-wise function.
type fnKind uint8

const (
	fnExp fnKind = iota
	fnLog
	fnRecip
	fnSqrt
	fnRsqrt
	fnGELU     // x·Φ(x)
	fnGELUTanh // ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
)

// maxOrder is the highest derivative of fnGELUTanh implemented.
const maxOrderGELUTanh = 2

// ewTask is one element-wise loop. b̃ is b broadcast over a: a's elements
// are an [outer, mid, inner] array and b holds mid elements.
type ewTask[T tensor.Float] struct {
	kind       ewKind
	fn         fnKind
	order      int
	d, a, b, c []T
	s          T
	mid, inner int
}

// run executes the loop over len(d) elements.
func (t *ewTask[T]) run() {
	parallel.Run(len(t.d), grain, t)
	t.d, t.a, t.b, t.c = nil, nil, nil, nil
}

// Run handles elements [lo, hi).
func (t *ewTask[T]) Run(lo, hi int) {
	switch t.kind {
	case kAdd, kSub, kMul, kExpand:
		t.broadcast(lo, hi)
		return
	}
	d := t.d[lo:hi]
	a := t.a[lo:hi]
	a = a[:len(d)]
	s := t.s
	switch t.kind {
	case kScale:
		for i, x := range a {
			d[i] = s * x
		}
	case kAddScalar:
		for i, x := range a {
			d[i] = x + s
		}
	case kMask:
		for i, x := range a {
			if x > 0 {
				d[i] = 1
			} else {
				d[i] = s
			}
		}
	case kFunc:
		var c []T
		if t.c != nil {
			c = t.c[lo:hi]
			c = c[:len(d)]
		}
		for i, x := range a {
			v := T(evalFn(t.fn, t.order, float64(x)))
			if c != nil {
				v *= c[i]
			}
			d[i] = v
		}
	case kBCE:
		b := t.b[lo:hi]
		b = b[:len(d)]
		for i, x := range a {
			v := float64(x)
			d[i] = T(max(v, 0) - v*float64(b[i]) + math.Log1p(math.Exp(-math.Abs(v))))
		}
	case kBCEGrad:
		b, c := t.b[lo:hi], t.c[lo:hi]
		b, c = b[:len(d)], c[:len(d)]
		for i, x := range a {
			d[i] = c[i] * (T(sigmoid(float64(x))) - b[i])
		}
	}
}

// broadcast handles the broadcasting kinds over [lo, hi).
func (t *ewTask[T]) broadcast(lo, hi int) {
	mid, inner := t.mid, t.inner
	if inner == 1 { // b̃ runs along with the elements, restarting every mid
		for i := lo; i < hi; {
			j := i % mid
			e := min(hi, i+mid-j)
			d, b := t.d[i:e], t.b[j:j+e-i]
			b = b[:len(d)]
			var a []T
			if t.a != nil {
				a = t.a[i:e]
				a = a[:len(d)]
			}
			switch t.kind {
			case kAdd:
				for k, x := range a {
					d[k] = x + b[k]
				}
			case kSub:
				for k, x := range a {
					d[k] = x - b[k]
				}
			case kMul:
				for k, x := range a {
					d[k] = x * b[k]
				}
			case kExpand:
				for k, y := range b {
					d[k] = t.s * y
				}
			}
			i = e
		}
		return
	}
	for i := lo; i < hi; { // b̃ is constant over runs of inner elements
		q := i / inner
		e := min(hi, (q+1)*inner)
		bv := t.b[q%mid]
		d := t.d[i:e]
		var a []T
		if t.a != nil {
			a = t.a[i:e]
			a = a[:len(d)]
		}
		switch t.kind {
		case kAdd:
			tensor.AddConst(d, a, bv)
		case kSub:
			for k, x := range a {
				d[k] = x - bv
			}
		case kMul:
			for k, x := range a {
				d[k] = x * bv
			}
		case kExpand:
			v := t.s * bv
			for k := range d {
				d[k] = v
			}
		}
		i = e
	}
}

// redTask sums an [outer, mid, inner] array over outer and inner:
// d[m] = beta·d[m] + alpha·Σ x[o, m, i].
type redTask[T tensor.Float] struct {
	x, d, acc          []T
	outer, mid, inner  int
	alpha, beta        T
	part               []float64
	grain              int
	columns, wholeSums bool
}

// run sums x (outer·mid·inner elements) into d (mid elements).
func (t *redTask[T]) run() {
	n := t.outer * t.mid * t.inner
	switch {
	case t.mid == 1: // one sum: fixed chunks, combined in order
		t.wholeSums, t.columns = true, false
		t.grain = grain
		c := parallel.Chunks(n, grain)
		if cap(t.part) < c {
			t.part = make([]float64, c)
		}
		t.part = t.part[:c]
		parallel.Run(n, grain, t)
		var s float64
		for _, p := range t.part {
			s += p
		}
		t.store(0, T(s))
	case t.inner == 1: // column sums over outer rows
		t.wholeSums, t.columns = false, true
		if cap(t.acc) < t.mid {
			t.acc = make([]T, t.mid)
		}
		t.acc = t.acc[:t.mid]
		t.grain = max(16, grain/max(t.outer, 1))
		parallel.Run(t.mid, t.grain, t)
	default:
		t.wholeSums, t.columns = false, false
		t.grain = max(1, grain/max(t.outer*t.inner, 1))
		parallel.Run(t.mid, t.grain, t)
	}
	t.x, t.d = nil, nil
}

func (t *redTask[T]) store(m int, s T) {
	if t.beta == 0 {
		t.d[m] = t.alpha * s
	} else {
		t.d[m] = t.beta*t.d[m] + t.alpha*s
	}
}

// Run sums chunk [lo, hi): elements for one sum, else outputs m.
func (t *redTask[T]) Run(lo, hi int) {
	switch {
	case t.wholeSums:
		var s float64
		for _, v := range t.x[lo:hi] {
			s += float64(v)
		}
		t.part[lo/t.grain] = s
	case t.columns:
		acc := t.acc[lo:hi]
		clear(acc)
		for o := range t.outer {
			row := t.x[o*t.mid+lo : o*t.mid+hi]
			row = row[:len(acc)]
			for j, v := range row {
				acc[j] += v
			}
		}
		for j, s := range acc {
			t.store(lo+j, s)
		}
	default:
		for m := lo; m < hi; m++ {
			var s float64
			for o := range t.outer {
				base := (o*t.mid + m) * t.inner
				s += tensor.SumRun(t.x[base : base+t.inner])
			}
			t.store(m, T(s))
		}
	}
}

// sigmoid is 1/(1+e^−x), stable for either sign.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

const (
	invSqrt2Pi = 0.3989422804014327 // 1/√(2π)
	geluC      = 0.7978845608028654 // √(2/π)
	geluA      = 0.044715
)

// evalFn returns the k-th derivative of f at x.
func evalFn(f fnKind, k int, x float64) float64 {
	switch f {
	case fnExp:
		return math.Exp(x)
	case fnLog:
		return math.Log(x)
	case fnRecip:
		return 1 / x
	case fnSqrt:
		return math.Sqrt(x)
	case fnRsqrt:
		return 1 / math.Sqrt(x)
	case fnGELU:
		return geluDeriv(k, x)
	case fnGELUTanh:
		return geluTanhDeriv(k, x)
	}
	return math.NaN()
}

// geluDeriv returns the k-th derivative of x·Φ(x): x·Φ⁽ᵏ⁾ + k·Φ⁽ᵏ⁻¹⁾,
// where Φ⁽ᵐ⁾ = (−1)^(m−1)·Heₘ₋₁(x)·φ(x) for m ≥ 1 (Hermite polynomials).
func geluDeriv(k int, x float64) float64 {
	cdf := 0.5 * (1 + math.Erf(x/math.Sqrt2))
	if k == 0 {
		return x * cdf
	}
	pdf := math.Exp(-0.5*x*x) * invSqrt2Pi
	return x*cdfDeriv(k, x, cdf, pdf) + float64(k)*cdfDeriv(k-1, x, cdf, pdf)
}

// cdfDeriv returns the m-th derivative of Φ at x given Φ(x) and φ(x).
func cdfDeriv(m int, x, cdf, pdf float64) float64 {
	if m == 0 {
		return cdf
	}
	n := m - 1 // Heₙ by He₀ = 1, He₁ = x, Heⱼ₊₁ = x·Heⱼ − j·Heⱼ₋₁
	he, prev := 1.0, 0.0
	for j := range n {
		he, prev = x*he-float64(j)*prev, he
	}
	if n%2 == 1 {
		he = -he
	}
	return he * pdf
}

// geluTanhDeriv returns the k-th derivative (k ≤ 2) of PyTorch's tanh
// approximation of GELU, ½x(1 + tanh u) with u = √(2/π)(x + 0.044715x³).
func geluTanhDeriv(k int, x float64) float64 {
	u := geluC * (x + geluA*x*x*x)
	th := math.Tanh(u)
	switch k {
	case 0:
		return 0.5 * x * (1 + th)
	case 1:
		du := geluC * (1 + 3*geluA*x*x)
		return 0.5*(1+th) + 0.5*x*(1-th*th)*du
	case 2:
		du := geluC * (1 + 3*geluA*x*x)
		d2u := 6 * geluC * geluA * x
		return (1 - th*th) * (du + 0.5*x*(d2u-2*th*du*du))
	}
	return math.NaN()
}
