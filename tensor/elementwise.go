package tensor

import (
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// Element-wise kernels run over the flat data in parallel chunks without
// allocating: ewGrain elements for loops that cost a few cycles an element,
// expGrain for those that call exp, tanh or erf. Outputs may alias inputs.

const (
	ewGrain  = 1 << 16
	expGrain = 1 << 12
)

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
	grain := ewGrain
	switch op {
	case opSigmoid, opTanh, opGELU, opGELUBack:
		grain = expGrain
	}
	parallel.Run(len(dst), grain, t)
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
		k := 0
		if unsafe.Sizeof(s) == 4 {
			k = kernel.Add(as[float32](d), as[float32](a), as[float32](b))
		}
		for i := k; i < len(d); i++ {
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
		k := 0
		if unsafe.Sizeof(s) == 4 {
			k = kernel.ReLU(as[float32](d), as[float32](a))
		}
		for i, x := range a[k:] {
			d[k+i] = max(x, 0)
		}
	case opReLUBack: // a = dy, b = x
		k := 0
		if unsafe.Sizeof(s) == 4 {
			k = kernel.ReLUBackward(as[float32](d), as[float32](a), as[float32](b))
		}
		reluBack(d[k:], a[k:], b[k:])
	case opLeaky:
		k := 0
		if unsafe.Sizeof(s) == 4 {
			k = kernel.LeakyReLU(as[float32](d), as[float32](a), conv[float32](s))
		}
		leaky(d[k:], a[k:], s)
	case opLeakyBack:
		k := 0
		if unsafe.Sizeof(s) == 4 {
			k = kernel.LeakyReLUBackward(as[float32](d), as[float32](a), as[float32](b), conv[float32](s))
		}
		leakyBack(d[k:], a[k:], b[k:], s)
	case opSigmoid:
		k := 0
		if unsafe.Sizeof(s) == 4 {
			k = kernel.Sigmoid(as[float32](d), as[float32](a))
		}
		for i, x := range a[k:] {
			d[k+i] = sigmoid(x)
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

// The ReLU family's loops choose between two values by the sign of x. That
// sign is random in a network's activations, so a branch would be
// mispredicted half the time (five times slower than the whole loop run
// without one); they select bit patterns instead, which compiles to a
// conditional move, and do exactly what the branches would: NaN x counts
// as not positive and not negative, and s·v or 1·v is the same bits as the
// branch's s·v or v.

// reluBack sets d = dy where x > 0 and 0 elsewhere.
func reluBack[T Float](d, dy, x []T) {
	var z T
	if unsafe.Sizeof(z) == 4 {
		d, dy, x := as[float32](d), as[float32](dy), as[float32](x)
		dy, x = dy[:len(d)], x[:len(d)]
		for i, v := range x {
			m := uint32(0)
			if v > 0 {
				m = ^uint32(0)
			}
			d[i] = math.Float32frombits(math.Float32bits(dy[i]) & m)
		}
		return
	}
	d64, dy64, x64 := as[float64](d), as[float64](dy), as[float64](x)
	dy64, x64 = dy64[:len(d64)], x64[:len(d64)]
	for i, v := range x64 {
		m := uint64(0)
		if v > 0 {
			m = ^uint64(0)
		}
		d64[i] = math.Float64frombits(math.Float64bits(dy64[i]) & m)
	}
}

// leaky sets d = s·x where x < 0 and x elsewhere.
func leaky[T Float](d, x []T, s T) {
	if unsafe.Sizeof(s) == 4 {
		d, x, sb := as[float32](d), as[float32](x), math.Float32bits(conv[float32](s))
		x = x[:len(d)]
		for i, v := range x {
			m := uint32(0x3f800000) // 1
			if v < 0 {
				m = sb
			}
			d[i] = v * math.Float32frombits(m)
		}
		return
	}
	d64, x64, sb := as[float64](d), as[float64](x), math.Float64bits(conv[float64](s))
	x64 = x64[:len(d64)]
	for i, v := range x64 {
		m := uint64(0x3ff0000000000000) // 1
		if v < 0 {
			m = sb
		}
		d64[i] = v * math.Float64frombits(m)
	}
}

// leakyBack sets d = dy where x > 0 and s·dy elsewhere.
func leakyBack[T Float](d, dy, x []T, s T) {
	if unsafe.Sizeof(s) == 4 {
		d, dy, x, sb := as[float32](d), as[float32](dy), as[float32](x), math.Float32bits(conv[float32](s))
		dy, x = dy[:len(d)], x[:len(d)]
		for i, v := range x {
			m := sb
			if v > 0 {
				m = 0x3f800000
			}
			d[i] = dy[i] * math.Float32frombits(m)
		}
		return
	}
	d64, dy64, x64, sb := as[float64](d), as[float64](dy), as[float64](x), math.Float64bits(conv[float64](s))
	dy64, x64 = dy64[:len(d64)], x64[:len(d64)]
	for i, v := range x64 {
		m := sb
		if v > 0 {
			m = 0x3ff0000000000000
		}
		d64[i] = dy64[i] * math.Float64frombits(m)
	}
}

// sigmoid is 1/(1+e^-x), computed without overflow for either sign.
func sigmoid[T Float](x T) T {
	if x >= 0 {
		return 1 / (1 + exp(-x))
	}
	e := exp(x)
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
