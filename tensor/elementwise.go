package tensor

import (
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/descent-ml/descent/internal/parallel"
)

// Element-wise kernels run over the flat data in parallel chunks of
// ewGrain elements (fixed, so results never depend on the thread count)
// without allocating. Outputs may alias inputs.

const ewGrain = 1 << 14

type ewOp int

const (
	opAdd ewOp = iota
	opSub
	opMul
	opScale
	opAxpy
	opReLU
	opReLUBack
	opLeaky
	opLeakyBack
	opSigmoid
	opSigmoidBack
	opTanh
	opTanhBack
	opGELU
	opGELUBack
)

// ewTask is one element-wise loop; pooled so calls do not allocate.
type ewTask[T Float] struct {
	op        ewOp
	dst, a, b []T
	s         T
}

var (
	ewPool32 = sync.Pool{New: func() any { return new(ewTask[float32]) }}
	ewPool64 = sync.Pool{New: func() any { return new(ewTask[float64]) }}
)

func runEW[T Float](op ewOp, dst, a, b []T, s T) {
	pool := &ewPool64
	if unsafe.Sizeof(s) == 4 {
		pool = &ewPool32
	}
	t := pool.Get().(*ewTask[T])
	t.op, t.dst, t.a, t.b, t.s = op, dst, a, b, s
	parallel.Run(len(dst), ewGrain, t)
	t.dst, t.a, t.b = nil, nil, nil
	pool.Put(t)
}

// Run applies the operation to elements [lo, hi).
func (t *ewTask[T]) Run(lo, hi int) {
	d := t.dst[lo:hi]
	var a, b []T
	if t.a != nil {
		a = t.a[lo:hi]
		a = a[:len(d)]
	}
	if t.b != nil {
		b = t.b[lo:hi]
		b = b[:len(d)]
	}
	s := t.s
	switch t.op {
	case opAdd:
		for i := range d {
			d[i] = a[i] + b[i]
		}
	case opSub:
		for i := range d {
			d[i] = a[i] - b[i]
		}
	case opMul:
		for i := range d {
			d[i] = a[i] * b[i]
		}
	case opScale:
		for i := range d {
			d[i] = s * a[i]
		}
	case opAxpy:
		for i := range d {
			d[i] += s * a[i]
		}
	case opReLU:
		for i, x := range a {
			d[i] = max(x, 0)
		}
	case opReLUBack: // a = dy, b = x
		for i, x := range b {
			if x > 0 {
				d[i] = a[i]
			} else {
				d[i] = 0
			}
		}
	case opLeaky:
		for i, x := range a {
			if x < 0 {
				x *= s
			}
			d[i] = x
		}
	case opLeakyBack:
		for i, x := range b {
			if x > 0 {
				d[i] = a[i]
			} else {
				d[i] = s * a[i]
			}
		}
	case opSigmoid:
		for i, x := range a {
			d[i] = T(sigmoid(float64(x)))
		}
	case opSigmoidBack: // b = y
		for i, y := range b {
			d[i] = a[i] * y * (1 - y)
		}
	case opTanh:
		for i, x := range a {
			d[i] = T(math.Tanh(float64(x)))
		}
	case opTanhBack: // b = y
		for i, y := range b {
			d[i] = a[i] * (1 - y*y)
		}
	case opGELU:
		for i, x := range a {
			v := float64(x)
			d[i] = T(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
		}
	case opGELUBack: // b = x
		for i, x := range b {
			v := float64(x)
			cdf := 0.5 * (1 + math.Erf(v/math.Sqrt2))
			pdf := math.Exp(-0.5*v*v) / math.Sqrt(2*math.Pi)
			d[i] = T(float64(a[i]) * (cdf + v*pdf))
		}
	}
}

// sigmoid is 1/(1+e^-x), computed without overflow for either sign.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// check3 reports an error unless the tensors all have the same shape.
func check3[T Float](name string, dst, a, b *Tensor[T]) error {
	if !dst.SameShape(a) || (b != nil && !dst.SameShape(b)) {
		if b == nil {
			return fmt.Errorf("%w: %s of %v into %v", ErrShape, name, a.Shape, dst.Shape)
		}
		return fmt.Errorf("%w: %s of %v and %v into %v", ErrShape, name, a.Shape, b.Shape, dst.Shape)
	}
	return nil
}

func binary[T Float](name string, op ewOp, dst, a, b *Tensor[T], s T) error {
	if err := check3(name, dst, a, b); err != nil {
		return err
	}
	runEW(op, dst.Data, a.Data, b.Data, s)
	return nil
}

func unary[T Float](name string, op ewOp, dst, a *Tensor[T], s T) error {
	if err := check3(name, dst, a, nil); err != nil {
		return err
	}
	runEW(op, dst.Data, a.Data, nil, s)
	return nil
}

// Add sets dst = a + b element-wise. All three shapes must be equal.
func Add[T Float](dst, a, b *Tensor[T]) error { return binary("add", opAdd, dst, a, b, 0) }

// Sub sets dst = a − b element-wise.
func Sub[T Float](dst, a, b *Tensor[T]) error { return binary("sub", opSub, dst, a, b, 0) }

// Mul sets dst = a ⊙ b (element-wise product).
func Mul[T Float](dst, a, b *Tensor[T]) error { return binary("mul", opMul, dst, a, b, 0) }

// Scale sets dst = s·a.
func Scale[T Float](dst *Tensor[T], s T, a *Tensor[T]) error {
	return unary("scale", opScale, dst, a, s)
}

// Axpy adds alpha·x to y in place (y += alpha·x).
func Axpy[T Float](y *Tensor[T], alpha T, x *Tensor[T]) error {
	return unary("axpy", opAxpy, y, x, alpha)
}

// ReLU sets dst = max(x, 0).
func ReLU[T Float](dst, x *Tensor[T]) error { return unary("relu", opReLU, dst, x, 0) }

// ReLUBackward sets dx = dy where x > 0 and 0 elsewhere (x is the
// forward input).
func ReLUBackward[T Float](dx, dy, x *Tensor[T]) error {
	return binary("relu backward", opReLUBack, dx, dy, x, 0)
}

// LeakyReLU sets dst = x for x ≥ 0 and slope·x below (PyTorch's
// negative_slope; 0.01 is its default).
func LeakyReLU[T Float](dst, x *Tensor[T], slope T) error {
	return unary("leaky relu", opLeaky, dst, x, slope)
}

// LeakyReLUBackward sets dx = dy where x > 0 and slope·dy elsewhere.
func LeakyReLUBackward[T Float](dx, dy, x *Tensor[T], slope T) error {
	return binary("leaky relu backward", opLeakyBack, dx, dy, x, slope)
}

// Sigmoid sets dst = 1/(1+e^−x), stable for large |x|.
func Sigmoid[T Float](dst, x *Tensor[T]) error { return unary("sigmoid", opSigmoid, dst, x, 0) }

// SigmoidBackward sets dx = dy·y·(1−y) from the forward output y.
func SigmoidBackward[T Float](dx, dy, y *Tensor[T]) error {
	return binary("sigmoid backward", opSigmoidBack, dx, dy, y, 0)
}

// Tanh sets dst = tanh(x).
func Tanh[T Float](dst, x *Tensor[T]) error { return unary("tanh", opTanh, dst, x, 0) }

// TanhBackward sets dx = dy·(1−y²) from the forward output y.
func TanhBackward[T Float](dx, dy, y *Tensor[T]) error {
	return binary("tanh backward", opTanhBack, dx, dy, y, 0)
}

// GELU sets dst = x·Φ(x) with Φ the standard normal CDF (PyTorch's exact
// GELU, approximate='none').
func GELU[T Float](dst, x *Tensor[T]) error { return unary("gelu", opGELU, dst, x, 0) }

// GELUBackward sets dx = dy·(Φ(x) + x·φ(x)) from the forward input x.
func GELUBackward[T Float](dx, dy, x *Tensor[T]) error {
	return binary("gelu backward", opGELUBack, dx, dy, x, 0)
}
