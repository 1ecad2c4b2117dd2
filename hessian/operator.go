package hessian

import (
	"context"
	"fmt"
	"math"

	"github.com/descent-ml/descent/surface"
)

// Operator is a symmetric n×n matrix known by its products with vectors:
// for a loss, its Hessian at a point, given by Hessian-vector products.
// Every method of this package needs only Dim and Apply.
type Operator interface {
	// Dim returns n, the number of rows and columns.
	Dim() int
	// Apply writes the product H·v into out. v and out have length Dim()
	// and do not overlap; Apply must not keep or change v. Long products
	// should give up with ctx's error when it is done.
	Apply(ctx context.Context, v, out []float64) error
}

// Differentiable is an Operator that also knows the loss and its gradient
// at the point where it is the Hessian. Analyze reports the loss and the
// gradient's norm when the operator has them: the verdict speaks of
// curvature only, and whether the point is a critical point at all is the
// gradient's business.
type Differentiable interface {
	Operator
	// Gradient writes the gradient of the loss into grad (of length
	// Dim()) and returns the loss.
	Gradient(ctx context.Context, grad []float64) (float64, error)
}

// Dense is an Operator over an explicit symmetric matrix.
type Dense struct {
	n int
	a []float64
}

// NewDense returns the operator of the symmetric n×n matrix a (row-major,
// not copied: it must not change while the operator is in use). The
// entries must be finite and a[i*n+j] must equal a[j*n+i] to within 1e-12
// of the largest entry.
func NewDense(n int, a []float64) (*Dense, error) {
	if n <= 0 {
		return nil, fmt.Errorf("hessian: a dense operator needs n ≥ 1, not %d", n)
	}
	if len(a) != n*n {
		return nil, fmt.Errorf("hessian: a %d×%d matrix needs %d values, not %d", n, n, n*n, len(a))
	}
	var big float64
	for i, v := range a {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("hessian: matrix entry [%d][%d] is %v; want finite values", i/n, i%n, v)
		}
		big = max(big, math.Abs(v))
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			if d := math.Abs(a[i*n+j] - a[j*n+i]); d > 1e-12*big {
				return nil, fmt.Errorf("hessian: matrix is not symmetric: [%d][%d] = %v, [%d][%d] = %v", i, j, a[i*n+j], j, i, a[j*n+i])
			}
		}
	}
	return &Dense{n: n, a: a}, nil
}

// Dim returns the matrix's order.
func (d *Dense) Dim() int { return d.n }

// Apply writes a·v into out.
func (d *Dense) Apply(ctx context.Context, v, out []float64) error {
	if err := checkLens(d.n, v, out); err != nil {
		return err
	}
	for i := range d.n {
		out[i] = dot(d.a[i*d.n:(i+1)*d.n], v)
	}
	return nil
}

// checkLens reports a vector whose length is not the operator's order.
func checkLens(n int, v, out []float64) error {
	if len(v) != n || len(out) != n {
		return fmt.Errorf("hessian: product of a %d×%d operator with a vector of length %d into one of length %d", n, n, len(v), len(out))
	}
	return nil
}

// funcOperator is the Operator FromFunc returns.
type funcOperator struct {
	n     int
	apply func(ctx context.Context, v, out []float64) error
}

func (f funcOperator) Dim() int { return f.n }

func (f funcOperator) Apply(ctx context.Context, v, out []float64) error {
	if err := checkLens(f.n, v, out); err != nil {
		return err
	}
	return f.apply(ctx, v, out)
}

// FromFunc returns the Operator of order n whose products apply computes:
// Hessian-vector products from any source (finite differences of
// gradients, another autodiff). apply must compute a symmetric linear map;
// the methods of this package assume it and do not check.
func FromFunc(n int, apply func(ctx context.Context, v, out []float64) error) (Operator, error) {
	if n <= 0 {
		return nil, fmt.Errorf("hessian: an operator needs n ≥ 1, not %d", n)
	}
	if apply == nil {
		return nil, fmt.Errorf("hessian: FromFunc needs a product function")
	}
	return funcOperator{n: n, apply: apply}, nil
}

// SurfacePoint is the Hessian of a surface lab function at a point, from
// its analytic second derivatives; it is Differentiable.
type SurfacePoint struct {
	*Dense
	fn *surface.Function
	x  []float64
}

// FromSurface returns the Hessian of fn at x (copied) as an operator.
func FromSurface(fn *surface.Function, x []float64) (*SurfacePoint, error) {
	if fn == nil {
		return nil, fmt.Errorf("hessian: no surface function")
	}
	n := fn.Dim()
	h := make([]float64, n*n)
	if err := fn.Hessian(x, h); err != nil {
		return nil, fmt.Errorf("hessian: %w", err)
	}
	d, err := NewDense(n, h)
	if err != nil {
		return nil, fmt.Errorf("hessian: %s at %v: %w", fn.Name(), x, err)
	}
	return &SurfacePoint{Dense: d, fn: fn, x: append([]float64(nil), x...)}, nil
}

// Gradient writes the function's gradient at the point into grad and
// returns its value there.
func (s *SurfacePoint) Gradient(ctx context.Context, grad []float64) (float64, error) {
	return s.fn.Gradient(s.x, grad)
}
