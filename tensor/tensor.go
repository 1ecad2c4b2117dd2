package tensor

import (
	"errors"
	"fmt"
)

// Float is the element type of a tensor: float32 for training, float64
// for gradient checks and Hessians.
type Float interface{ float32 | float64 }

// Tensor is a dense, contiguous, row-major array: element (i0, i1, …) is
// Data[((i0·Shape[1] + i1)·Shape[2] + …)]. Len(Data) equals the product of
// Shape (1 for a scalar, whose Shape is empty). A Tensor is a plain value
// over its buffer: views made by Reshape share Data.
type Tensor[T Float] struct {
	Shape []int
	Data  []T
}

// ErrShape is wrapped by every error about shapes and sizes.
var ErrShape = errors.New("tensor: shape mismatch")

// Numel returns the number of elements of shape, or an error if a
// dimension is negative.
func Numel(shape ...int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("%w: negative dimension in %v", ErrShape, shape)
		}
		n *= d
	}
	return n, nil
}

// Zeros returns a tensor of the given shape filled with zeros. It panics on
// a negative dimension, as make does.
func Zeros[T Float](shape ...int) *Tensor[T] {
	n, err := Numel(shape...)
	if err != nil {
		panic(err)
	}
	return &Tensor[T]{Shape: append([]int(nil), shape...), Data: make([]T, n)}
}

// Full returns a tensor of the given shape with every element v.
func Full[T Float](v T, shape ...int) *Tensor[T] {
	t := Zeros[T](shape...)
	t.Fill(v)
	return t
}

// FromSlice wraps data (not copied) as a tensor of the given shape; the
// length must match the shape.
func FromSlice[T Float](data []T, shape ...int) (*Tensor[T], error) {
	n, err := Numel(shape...)
	if err != nil {
		return nil, err
	}
	if n != len(data) {
		return nil, fmt.Errorf("%w: %d elements for shape %v (%d)", ErrShape, len(data), shape, n)
	}
	return &Tensor[T]{Shape: append([]int(nil), shape...), Data: data}, nil
}

// Len returns the number of elements.
func (t *Tensor[T]) Len() int { return len(t.Data) }

// Rank returns the number of dimensions.
func (t *Tensor[T]) Rank() int { return len(t.Shape) }

// Dim returns dimension i; negative i counts from the end (-1 is the last).
func (t *Tensor[T]) Dim(i int) int {
	if i < 0 {
		i += len(t.Shape)
	}
	return t.Shape[i]
}

// Reshape returns a view of t with a new shape sharing t's data. One
// dimension may be -1, inferred from the others.
func (t *Tensor[T]) Reshape(shape ...int) (*Tensor[T], error) {
	s := append([]int(nil), shape...)
	infer, n := -1, 1
	for i, d := range s {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			return nil, fmt.Errorf("%w: bad dimension %d in reshape %v", ErrShape, d, shape)
		default:
			n *= d
		}
	}
	if infer >= 0 {
		if n == 0 || len(t.Data)%n != 0 {
			return nil, fmt.Errorf("%w: cannot reshape %v into %v", ErrShape, t.Shape, shape)
		}
		s[infer] = len(t.Data) / n
		n *= s[infer]
	}
	if n != len(t.Data) {
		return nil, fmt.Errorf("%w: cannot reshape %v (%d elements) into %v", ErrShape, t.Shape, len(t.Data), shape)
	}
	return &Tensor[T]{Shape: s, Data: t.Data}, nil
}

// Clone returns a deep copy of t.
func (t *Tensor[T]) Clone() *Tensor[T] {
	return &Tensor[T]{Shape: append([]int(nil), t.Shape...), Data: append([]T(nil), t.Data...)}
}

// SameShape reports whether t and u have equal shapes.
func (t *Tensor[T]) SameShape(u *Tensor[T]) bool { return sameShape(t.Shape, u.Shape) }

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// CopyFrom copies src's elements into t; the shapes must be equal.
func (t *Tensor[T]) CopyFrom(src *Tensor[T]) error {
	if !t.SameShape(src) {
		return fmt.Errorf("%w: copy %v into %v", ErrShape, src.Shape, t.Shape)
	}
	copy(t.Data, src.Data)
	return nil
}

// Fill sets every element to v.
func (t *Tensor[T]) Fill(v T) {
	if v == 0 {
		clear(t.Data)
		return
	}
	for i := range t.Data {
		t.Data[i] = v
	}
}

// offset returns the flat index of idx, or an error.
func (t *Tensor[T]) offset(idx []int) (int, error) {
	if len(idx) != len(t.Shape) {
		return 0, fmt.Errorf("%w: %d indices for shape %v", ErrShape, len(idx), t.Shape)
	}
	off := 0
	for i, x := range idx {
		if x < 0 || x >= t.Shape[i] {
			return 0, fmt.Errorf("%w: index %v out of range for shape %v", ErrShape, idx, t.Shape)
		}
		off = off*t.Shape[i] + x
	}
	return off, nil
}

// At returns the element at idx. It panics if idx is out of range, as a
// slice index does.
func (t *Tensor[T]) At(idx ...int) T {
	off, err := t.offset(idx)
	if err != nil {
		panic(err)
	}
	return t.Data[off]
}

// Set stores v at idx. It panics if idx is out of range, as a slice index
// does.
func (t *Tensor[T]) Set(v T, idx ...int) {
	off, err := t.offset(idx)
	if err != nil {
		panic(err)
	}
	t.Data[off] = v
}

// Row returns row i of a 2-D tensor as a slice of its data.
func (t *Tensor[T]) Row(i int) []T {
	c := t.Shape[len(t.Shape)-1]
	return t.Data[i*c : (i+1)*c]
}

// String formats the shape and, for small tensors, the data.
func (t *Tensor[T]) String() string {
	if len(t.Data) <= 16 {
		return fmt.Sprintf("Tensor%v%v", t.Shape, t.Data)
	}
	return fmt.Sprintf("Tensor%v[%v %v … %v]", t.Shape, t.Data[0], t.Data[1], t.Data[len(t.Data)-1])
}

// matrix returns t's rows and columns as a matrix: the last dimension is
// the columns, all others fold into rows.
func (t *Tensor[T]) matrix() (rows, cols int, err error) {
	if len(t.Shape) < 2 {
		return 0, 0, fmt.Errorf("%w: need a matrix, have shape %v", ErrShape, t.Shape)
	}
	cols = t.Shape[len(t.Shape)-1]
	return len(t.Data) / max(cols, 1), cols, nil
}

// MatMul computes c = alpha·op(a)·op(b) + beta·c for matrices (2-D or
// more: leading dimensions fold into rows), where op transposes when the
// flag says so. Shapes are checked and reported as errors; see Gemm.
func MatMul[T Float](c *Tensor[T], transA, transB bool, alpha T, a, b *Tensor[T], beta T) error {
	ar, ac, err := a.matrix()
	if err != nil {
		return err
	}
	br, bc, err := b.matrix()
	if err != nil {
		return err
	}
	cr, cc, err := c.matrix()
	if err != nil {
		return err
	}
	m, k := ar, ac
	if transA {
		m, k = ac, ar
	}
	kb, n := br, bc
	if transB {
		kb, n = bc, br
	}
	if k != kb || cr != m || cc != n {
		return fmt.Errorf("%w: matmul op(%v)·op(%v) into %v", ErrShape, a.Shape, b.Shape, c.Shape)
	}
	Gemm(transA, transB, m, n, k, alpha, a.Data, max(ac, 1), b.Data, max(bc, 1), beta, c.Data, max(cc, 1))
	return nil
}
