package autograd

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/descent-ml/descent/tensor"
)

// ErrShape is wrapped by every error about the shapes of an operation's
// operands; it wraps tensor.ErrShape, so errors.Is works with either.
var ErrShape = fmt.Errorf("autograd: %w", tensor.ErrShape)

// shapeError is an error about shapes: its own message, wrapping ErrShape.
type shapeError struct{ msg string }

// Error returns the message.
func (e *shapeError) Error() string { return e.msg }

// Unwrap returns ErrShape.
func (e *shapeError) Unwrap() error { return ErrShape }

// ShapeErrorf formats an error about shapes that wraps ErrShape (and so
// tensor.ErrShape) without repeating its text: layers built on the graph
// report their own shape mistakes with it.
func ShapeErrorf(format string, args ...any) error {
	return &shapeError{msg: fmt.Sprintf(format, args...)}
}

// ErrStale is wrapped by the error an operation reports when it is handed a
// value made by another graph, or by this graph before its last Reset.
var ErrStale = errors.New("autograd: value from another graph or from before Reset")

// Var is a tensor in a computation: a parameter (a leaf made by NewParam,
// which lives across steps and owns its gradient buffer), an input handed
// to a graph, or the result of an operation.
//
// Value is the tensor itself. For a parameter, Grad is the gradient buffer
// Backward adds into (as PyTorch accumulates into .grad) and Sparse the
// row-sparse gradient an embedding lookup adds when RowSparse is set.
// A value made by a graph belongs to it and is valid until the graph's next
// Reset; its buffer is then reused.
type Var[T tensor.Float] struct {
	// Value is the tensor this variable holds.
	Value tensor.Tensor[T]
	// Grad is a parameter's accumulated gradient, of Value's shape; it is
	// empty for values made by a graph.
	Grad tensor.Tensor[T]
	// Sparse is a parameter's accumulated row-sparse gradient (see
	// RowSparse).
	Sparse SparseGrad[T]
	// Name names a parameter in errors and reports.
	Name string
	// RowSparse makes Embedding lookups of this parameter add their
	// gradient to Sparse (the rows looked up and their gradients) instead
	// of the dense Grad, as PyTorch's Embedding(sparse=True) does.
	RowSparse bool

	g    *Graph[T] // the graph that made it; nil for parameters
	gen  uint64    // the graph's generation when it was made
	node *node[T]  // the operation that made it, nil if not recorded
	req  bool      // gradients flow to it
	buf  []T       // storage owned by this pool slot, kept across steps
	shp  []int     // shape storage owned by this pool slot

	// Backward bookkeeping: bw holds the gradient gathered in pass stamp.
	stamp uint64
	bw    *Var[T]
}

// SparseGrad is a row-sparse gradient of a 2-D parameter [rows, cols]:
// Values[i*cols:(i+1)*cols] is the gradient of row Rows[i]. Rows may
// repeat; the values of a repeated row add up. It maps directly onto
// optim.SparseGrad (Rows and V32 or Values).
type SparseGrad[T tensor.Float] struct {
	Rows   []int
	Values []T
}

// Reset empties the gradient, keeping its buffers.
func (s *SparseGrad[T]) Reset() {
	s.Rows = s.Rows[:0]
	s.Values = s.Values[:0]
}

// NewParam returns a parameter over value's data (not copied) with a zero
// gradient buffer of the same shape. Gradients flow to it.
func NewParam[T tensor.Float](name string, value *tensor.Tensor[T]) *Var[T] {
	shape := append([]int(nil), value.Shape...)
	return &Var[T]{
		Name:  name,
		Value: tensor.Tensor[T]{Shape: shape, Data: value.Data},
		Grad:  tensor.Tensor[T]{Shape: shape, Data: make([]T, len(value.Data))},
		req:   true,
	}
}

// ZeroGrad zeroes a parameter's gradient, dense and sparse, keeping the
// buffers.
func (v *Var[T]) ZeroGrad() {
	clear(v.Grad.Data)
	v.Sparse.Reset()
}

// Shape returns the value's shape (not a copy).
func (v *Var[T]) Shape() []int { return v.Value.Shape }

// Data returns the value's elements (not a copy).
func (v *Var[T]) Data() []T { return v.Value.Data }

// Item returns the single element of a scalar (or one-element) value; it
// panics on a value with more elements, as an index out of range does.
func (v *Var[T]) Item() T {
	if len(v.Value.Data) != 1 {
		panic(fmt.Sprintf("autograd: Item of a value with shape %v", v.Value.Shape))
	}
	return v.Value.Data[0]
}

// RequiresGrad reports whether gradients flow to v: it is a parameter, or
// an operation on one recorded while gradients were enabled.
func (v *Var[T]) RequiresGrad() bool { return v.req }

// IsParam reports whether v is a parameter (a leaf made by NewParam).
func (v *Var[T]) IsParam() bool { return v.g == nil && v.req }

// stampCounter numbers backward passes across all graphs, so a parameter
// shared by several graphs never mistakes one pass's bookkeeping for
// another's.
var stampCounter atomic.Uint64

// Graph records operations on Vars and runs them backward. It is the tape
// of reverse-mode differentiation and, at the same time, the arena that
// owns every value and gradient it computes: Reset forgets the recorded
// operations and hands their buffers back for the next step, so a training
// loop with a fixed model and batch shape allocates nothing after its first
// step.
//
// Operations are methods. An operation handed operands it cannot combine
// (shapes that do not fit, a value from another graph) records the error,
// returns an empty value and turns every later operation into a no-op;
// Err reports it, and Backward, Grad and the nn layers return it. A Graph
// is not safe for concurrent use, and graphs sharing parameters must not
// run backward passes at the same time (a pass keeps its bookkeeping, and
// adds gradients, in the parameters).
type Graph[T tensor.Float] struct {
	pool  [][]Var[T] // value slots, in blocks so pointers stay put
	nv    int        // slots in use this step
	tape  []*node[T]
	nn    int // recorded operations this step
	ints  [][]int
	ni    int
	gen   uint64
	err   error
	rec   bool // operations are being recorded now
	noRec bool // the user disabled recording (SetGradEnabled(false))

	// The backward pass in progress.
	stamp  uint64
	mode   bwMode
	create bool

	poison Var[T]
	k      kernels[T]
}

// NewGraph returns an empty graph that records operations.
func NewGraph[T tensor.Float]() *Graph[T] {
	g := &Graph[T]{rec: true, gen: 1}
	// The poisoned value belongs to no generation: using it after Reset
	// is an error.
	g.poison = Var[T]{Value: tensor.Tensor[T]{Shape: []int{0}}, g: g}
	return g
}

// Reset forgets every operation and value of the step (they become stale:
// using one is an error) and clears the error. Parameters keep their
// values and gradients.
func (g *Graph[T]) Reset() {
	for i := range g.nv {
		v := &g.pool[i/blockSize][i%blockSize]
		v.node, v.bw = nil, nil
		v.Value.Data = nil
	}
	for _, n := range g.tape[:g.nn] {
		n.reset()
	}
	g.nv, g.nn, g.ni = 0, 0, 0
	g.gen++
	g.err = nil
	g.rec = !g.noRec
}

// mark is a position in a graph's pools.
type mark struct{ nv, nn, ni int }

// mark returns the current position of the pools.
func (g *Graph[T]) mark() mark { return mark{g.nv, g.nn, g.ni} }

// release forgets every value and operation made since m, handing their
// buffers back, as Reset does for a whole step.
func (g *Graph[T]) release(m mark) {
	for i := m.nv; i < g.nv; i++ {
		v := &g.pool[i/blockSize][i%blockSize]
		v.node, v.bw = nil, nil
		v.Value.Data = nil
		v.gen = 0
	}
	for _, n := range g.tape[m.nn:g.nn] {
		n.reset()
	}
	g.nv, g.nn, g.ni = m.nv, m.nn, m.ni
}

// Err returns the first error an operation recorded since the last Reset.
func (g *Graph[T]) Err() error { return g.err }

// SetGradEnabled turns recording on or off, as torch.set_grad_enabled:
// with recording off (evaluation), operations compute their values but
// nothing flows back through them. It returns the previous setting.
func (g *Graph[T]) SetGradEnabled(on bool) bool {
	prev := !g.noRec
	g.noRec = !on
	g.rec = on
	return prev
}

// Len reports how many operations were recorded since the last Reset.
func (g *Graph[T]) Len() int { return g.nn }

const blockSize = 64

// newVar returns the next value slot, cleared but for its storage.
func (g *Graph[T]) newVar() *Var[T] {
	b := g.nv / blockSize
	if b == len(g.pool) {
		g.pool = append(g.pool, make([]Var[T], blockSize))
	}
	v := &g.pool[b][g.nv%blockSize]
	g.nv++
	buf, shp := v.buf, v.shp
	*v = Var[T]{buf: buf, shp: shp, g: g, gen: g.gen}
	return v
}

// setShape gives v the shape (copied into v's own storage).
func (v *Var[T]) setShape(shape []int) {
	v.shp = append(v.shp[:0], shape...)
	v.Value.Shape = v.shp
}

// alloc returns a fresh value of the given shape whose elements are
// undefined (operations overwrite them).
func (g *Graph[T]) alloc(shape ...int) *Var[T] {
	v := g.newVar()
	n := 1
	for _, d := range shape {
		n *= d
	}
	if cap(v.buf) < n {
		v.buf = make([]T, n)
	}
	v.Value.Data = v.buf[:n]
	v.setShape(shape)
	return v
}

// zeros returns a fresh value of the given shape filled with zeros.
func (g *Graph[T]) zeros(shape ...int) *Var[T] {
	v := g.alloc(shape...)
	clear(v.Value.Data)
	return v
}

// allocInts returns an int buffer of length n valid for this step.
func (g *Graph[T]) allocInts(n int) []int {
	if g.ni == len(g.ints) {
		g.ints = append(g.ints, nil)
	}
	b := g.ints[g.ni]
	if cap(b) < n {
		b = make([]int, n)
		g.ints[g.ni] = b
	}
	g.ni++
	return b[:n]
}

// Ints returns an int buffer of length n (contents undefined) that the
// graph owns until its next Reset and hands out again after it: room for
// indices built each step (class labels, embedding ids) without
// allocating.
func (g *Graph[T]) Ints(n int) []int { return g.allocInts(max(n, 0)) }

// view returns a value sharing x's data with another shape.
func (g *Graph[T]) view(x *Var[T], shape []int) *Var[T] {
	v := g.newVar()
	v.Value.Data = x.Value.Data
	v.setShape(shape)
	return v
}

// Input wraps t (not copied) as a value of this step that gradients do not
// flow to: a batch of inputs, targets, a constant. t must not change until
// the graph is Reset.
func (g *Graph[T]) Input(t *tensor.Tensor[T]) *Var[T] {
	v := g.newVar()
	v.Value.Data = t.Data
	v.setShape(t.Shape)
	return v
}

// Const returns a new value of the given shape with every element c.
func (g *Graph[T]) Const(c T, shape ...int) *Var[T] {
	if g.err != nil {
		return &g.poison
	}
	if !validShape(shape) {
		return g.failf("constant of shape %v: negative dimension", copyInts(shape))
	}
	v := g.alloc(shape...)
	if c == 0 {
		clear(v.Value.Data)
	} else {
		for i := range v.Value.Data {
			v.Value.Data[i] = c
		}
	}
	return v
}

// fail records an error (the first one wins) and returns the poisoned
// value operations return after an error.
func (g *Graph[T]) fail(err error) *Var[T] {
	if g.err == nil {
		g.err = err
	}
	return &g.poison
}

// failf records a shape error.
func (g *Graph[T]) failf(format string, args ...any) *Var[T] {
	return g.fail(ShapeErrorf("autograd: "+format, args...))
}

// ok reports whether the operands may be used (nil ones are skipped by the
// caller); it records the error when not.
func (g *Graph[T]) ok(op string, vs ...*Var[T]) bool {
	if g.err != nil {
		return false
	}
	for _, v := range vs {
		if v == nil {
			g.fail(fmt.Errorf("autograd: %s: nil operand", op))
			return false
		}
		if v.g != nil && (v.g != g || v.gen != g.gen) {
			g.fail(fmt.Errorf("%w (in %s)", ErrStale, op))
			return false
		}
	}
	return true
}

// ok1, ok2, ok3 are ok without a variadic slice.
func (g *Graph[T]) ok1(op string, a *Var[T]) bool {
	if g.err == nil && a != nil && (a.g == nil || a.g == g && a.gen == g.gen) {
		return true
	}
	return g.ok(op, a)
}

func (g *Graph[T]) ok2(op string, a, b *Var[T]) bool {
	return g.ok1(op, a) && g.ok1(op, b)
}

// record notes that out was computed by op from the operands a, b, c (nil
// when absent) if recording is on and gradients flow to any of them. It
// returns the node, or nil when nothing was recorded.
func (g *Graph[T]) record(op opcode, out, a, b, c *Var[T]) *node[T] {
	if !g.rec || !(a != nil && a.req || b != nil && b.req || c != nil && c.req) {
		return nil
	}
	if g.nn == len(g.tape) {
		g.tape = append(g.tape, &node[T]{})
	}
	n := g.tape[g.nn]
	n.pos = g.nn
	g.nn++
	n.op = op
	n.in = [3]*Var[T]{a, b, c}
	n.out = out
	out.node = n
	out.req = true
	return n
}
