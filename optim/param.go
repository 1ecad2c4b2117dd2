package optim

import (
	"fmt"
	"math"

	"sync/atomic"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// Float is the element type of a parameter: float32 for training, float64
// where precision matters.
type Float interface {
	float32 | float64
}

// DType names a parameter's element type.
type DType int

// The element types a Param can hold.
const (
	Float32 DType = iota + 1
	Float64
)

// String returns "float32" or "float64".
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// Param is one parameter buffer an optimizer updates in place, with its
// gradient. Exactly one of F32 and F64 holds the values. The gradient lives
// in G32 or G64 (same length as the values); a nil gradient means the
// parameter got no gradient in this step, as PyTorch's p.grad is None, and
// the optimizer leaves the parameter and its state untouched.
//
// Sparse, when set, carries a row-sparse gradient (rows of an embedding
// table) in place of the dense one; see SparseGrad.
//
// The slices are the caller's: an optimizer never reallocates them, so they
// may alias a model's tensors.
type Param struct {
	Name  string
	Shape []int // nil means a vector of the values' length

	F32, G32 []float32
	F64, G64 []float64

	Sparse *SparseGrad
}

// SparseGrad is a row-sparse gradient of a 2-D parameter of shape
// [rows, cols], as an embedding produces: Values[i*cols:(i+1)*cols] is the
// gradient of row Rows[i]. Rows may repeat (the values then add up, as
// PyTorch's coalesce does); rows not listed have no gradient at all.
type SparseGrad struct {
	Rows   []int
	Values []float64 // for float64 parameters
	V32    []float32 // for float32 parameters
}

// NewParam returns a parameter over data with gradient buffer grad (which
// may be nil: no gradient yet). shape is optional; when given, its product
// must equal len(data).
func NewParam[T Float](name string, data, grad []T, shape ...int) *Param {
	p := &Param{Name: name, Shape: append([]int(nil), shape...)}
	switch d := any(data).(type) {
	case []float32:
		p.F32 = d
		if grad != nil {
			p.G32 = any(grad).([]float32)
		}
	case []float64:
		p.F64 = d
		if grad != nil {
			p.G64 = any(grad).([]float64)
		}
	}
	return p
}

// DType reports the element type of the parameter's values.
func (p *Param) DType() DType {
	if p.F64 != nil {
		return Float64
	}
	return Float32
}

// Len reports the number of values.
func (p *Param) Len() int {
	if p.F64 != nil {
		return len(p.F64)
	}
	return len(p.F32)
}

// HasGrad reports whether the parameter has a gradient in this step.
func (p *Param) HasGrad() bool {
	if p.Sparse != nil {
		return true
	}
	if p.F64 != nil {
		return p.G64 != nil
	}
	return p.G32 != nil
}

// EnsureGrad allocates a zero gradient buffer if the parameter has none.
func (p *Param) EnsureGrad() {
	if p.F64 != nil {
		if p.G64 == nil {
			p.G64 = make([]float64, len(p.F64))
		}
		return
	}
	if p.G32 == nil {
		p.G32 = make([]float32, len(p.F32))
	}
}

// ZeroGrad sets the dense gradient to zero (keeping its buffer) and drops
// any sparse gradient.
func (p *Param) ZeroGrad() {
	clear(p.G32)
	clear(p.G64)
	p.Sparse = nil
}

// shape2 returns the parameter seen as a matrix [rows, cols]: its shape's
// first dimension by the product of the rest.
func (p *Param) shape2() (rows, cols int) {
	n := p.Len()
	if len(p.Shape) < 2 {
		return n, 1
	}
	rows = p.Shape[0]
	if rows == 0 {
		return 0, 0
	}
	return rows, n / rows
}

// check reports a malformed parameter.
func (p *Param) check() error {
	if (p.F32 == nil) == (p.F64 == nil) {
		return fmt.Errorf("parameter %q: exactly one of F32 and F64 must hold the values", p.Name)
	}
	n := p.Len()
	if p.F32 != nil && (p.G64 != nil || (p.G32 != nil && len(p.G32) != n)) {
		return fmt.Errorf("parameter %q: float32 values need a float32 gradient of length %d", p.Name, n)
	}
	if p.F64 != nil && (p.G32 != nil || (p.G64 != nil && len(p.G64) != n)) {
		return fmt.Errorf("parameter %q: float64 values need a float64 gradient of length %d", p.Name, n)
	}
	if len(p.Shape) > 0 {
		prod := 1
		for _, d := range p.Shape {
			if d < 0 {
				return fmt.Errorf("parameter %q: negative dimension in shape %v", p.Name, p.Shape)
			}
			prod *= d
		}
		if prod != n {
			return fmt.Errorf("parameter %q: shape %v holds %d values, not %d", p.Name, p.Shape, prod, n)
		}
	}
	return nil
}

// finiteTask checks a gradient for NaN and ±Inf over the cores. An
// optimizer keeps one so the check does not allocate.
type finiteTask struct {
	g32 []float32
	g64 []float64
	bad atomic.Bool
}

func (t *finiteTask) check(p *Param) bool {
	if s := p.Sparse; s != nil {
		return allFinite(s.Values) && allFinite(s.V32)
	}
	t.g32, t.g64 = p.G32, p.G64
	t.bad.Store(false)
	parallel.Run(max(len(t.g32), len(t.g64)), grain, t)
	t.g32, t.g64 = nil, nil
	return !t.bad.Load()
}

// Run checks elements [lo, hi).
func (t *finiteTask) Run(lo, hi int) {
	if t.g32 != nil && !allFinite(t.g32[lo:hi]) || t.g64 != nil && !allFinite(t.g64[lo:hi]) {
		t.bad.Store(true)
	}
}

// allFinite reports whether x holds no NaN or infinity. x*0 is 0 for every
// finite x and NaN otherwise, so one sum decides.
func allFinite[T Float](x []T) bool {
	if x32, ok := any(x).([]float32); ok {
		n, ok := kernel.Finite(x32)
		if !ok {
			return false
		}
		x = x[n:]
	}
	var acc T
	for _, v := range x {
		acc += v * 0
	}
	return acc == 0
}

// Zero asks for an exact zero in a config field whose default is not zero
// (a zero field means "PyTorch's default"). It is negative zero, which
// computes as zero.
var Zero = math.Copysign(0, -1)

// IsDefault reports whether a config value was left at its zero value (and
// not set to Zero).
func IsDefault(v float64) bool { return v == 0 && !math.Signbit(v) }

// OrDefault returns v, or def when v was left at its zero value (Zero
// counts as set). Config structs of other packages follow the same rule.
func OrDefault(v, def float64) float64 {
	if IsDefault(v) {
		return def
	}
	return v
}
