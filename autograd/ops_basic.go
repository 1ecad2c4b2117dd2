package autograd

import (
	"github.com/descent-ml/descent/tensor"
)

// copyInts copies a shape for an error message, so that the caller's
// slice (often a variadic argument) does not escape to the heap.
func copyInts(s []int) []int { return append([]int(nil), s...) }

// validShape reports whether no dimension of shape is negative.
func validShape(shape []int) bool {
	for _, d := range shape {
		if d < 0 {
			return false
		}
	}
	return true
}

// numel is the number of elements of shape.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

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

// bcast reports how a tensor of shape b broadcasts onto shape a: a's
// elements form an [outer, mid, inner] array and b's mid elements run along
// the middle. b is aligned with a's trailing dimensions (missing leading
// ones count as 1); its dimensions other than 1 must equal a's and be
// contiguous ([F] onto [N, F] for a bias, [1, C, 1, 1] onto [N, C, H, W]
// for a per-channel value, [R, 1] onto [R, C] for a per-row one, [] for a
// scalar).
func bcast(a, b []int) (outer, mid, inner int, ok bool) {
	for len(b) > len(a) {
		if b[0] != 1 {
			return 0, 0, 0, false
		}
		b = b[1:]
	}
	off := len(a) - len(b)
	lo, hi := -1, -1
	for j := range b {
		if b[j] != 1 {
			if lo < 0 {
				lo = j + off
			}
			hi = j + off
		}
	}
	if lo < 0 {
		return 1, 1, numel(a), true
	}
	for j := lo; j <= hi; j++ {
		if b[j-off] != a[j] {
			return 0, 0, 0, false
		}
	}
	outer, mid, inner = numel(a[:lo]), numel(a[lo:hi+1]), numel(a[hi+1:])
	if mid == 1 {
		return 1, 1, outer * inner, true
	}
	return outer, mid, inner, true
}

// matrix returns the rows and columns of a value seen as a matrix: the
// last dimension is the columns and the others fold into rows.
func matrix(shape []int) (rows, cols int) {
	cols = shape[len(shape)-1]
	return numel(shape[:len(shape)-1]), cols
}

// MatMul returns op(a)·op(b), where op transposes its operand when the
// flag says so (a weight W of shape [out, in] applies as
// MatMul(x, W, false, true), PyTorch's x·Wᵀ). Operands have rank 2 or more;
// leading dimensions fold into rows. When a is not transposed the result
// keeps a's leading dimensions, [..., n]; otherwise it is [m, n].
func (g *Graph[T]) MatMul(a, b *Var[T], transA, transB bool) *Var[T] {
	if !g.ok2("matmul", a, b) {
		return &g.poison
	}
	if a.Value.Rank() < 2 || b.Value.Rank() < 2 {
		return g.failf("matmul of %v and %v: operands need rank 2 or more", a.Value.Shape, b.Value.Shape)
	}
	ar, ac := matrix(a.Value.Shape)
	br, bc := matrix(b.Value.Shape)
	m, k := ar, ac
	if transA {
		m, k = ac, ar
	}
	kb, n := br, bc
	if transB {
		kb, n = bc, br
	}
	if k != kb {
		return g.failf("matmul %v%s·%v%s: inner dimensions %d and %d differ",
			a.Value.Shape, tmark(transA), b.Value.Shape, tmark(transB), k, kb)
	}
	y := g.newVar()
	if transA {
		y.shp = append(y.shp[:0], m, n)
	} else {
		y.shp = append(append(y.shp[:0], a.Value.Shape[:a.Value.Rank()-1]...), n)
	}
	y.Value.Shape = y.shp
	if cap(y.buf) < m*n {
		y.buf = make([]T, m*n)
	}
	y.Value.Data = y.buf[:m*n]
	tensor.Gemm(transA, transB, m, n, k, 1, a.Value.Data, max(ac, 1), b.Value.Data, max(bc, 1), 0, y.Value.Data, max(n, 1))
	if nd := g.record(opMatMul, y, a, b, nil); nd != nil {
		nd.k = [2]int{b2i(transA), b2i(transB)}
	}
	return y
}

// tmark marks a transposed operand in messages.
func tmark(t bool) string {
	if t {
		return "ᵀ"
	}
	return ""
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// gemmInto sets dst = op(p)·op(q) + beta·dst for values seen as matrices.
func gemmInto[T tensor.Float](dst []T, beta T, p, q *Var[T], tp, tq bool) {
	pr, pc := matrix(p.Value.Shape)
	qr, qc := matrix(q.Value.Shape)
	m, k := pr, pc
	if tp {
		m, k = pc, pr
	}
	n := qc
	if tq {
		n = qr
	}
	tensor.Gemm(tp, tq, m, n, k, 1, p.Value.Data, max(pc, 1), q.Value.Data, max(qc, 1), beta, dst, max(n, 1))
}

// matmulGrad adds op(p)·op(q) to the gradient of v.
func (g *Graph[T]) matmulGrad(v, p, q *Var[T], tp, tq bool) {
	if !v.req {
		return
	}
	if sink := g.leafSink(v); sink != nil {
		gemmInto(sink.Data, 1, p, q, tp, tq)
		return
	}
	if g.create {
		g.accum(v, g.MatMul(p, q, tp, tq))
		return
	}
	gv := g.alloc(v.Value.Shape...)
	gemmInto(gv.Value.Data, 0, p, q, tp, tq)
	g.accum(v, gv)
}

func (g *Graph[T]) bwMatMul(n *node[T], gy *Var[T]) {
	a, b := n.in[0], n.in[1]
	switch tA, tB := n.k[0] == 1, n.k[1] == 1; {
	case !tA && !tB: // C = A·B
		g.matmulGrad(a, gy, b, false, true)
		g.matmulGrad(b, a, gy, true, false)
	case !tA && tB: // C = A·Bᵀ
		g.matmulGrad(a, gy, b, false, false)
		g.matmulGrad(b, gy, a, true, false)
	case tA && !tB: // C = Aᵀ·B
		g.matmulGrad(a, b, gy, false, true)
		g.matmulGrad(b, a, gy, false, false)
	default: // C = Aᵀ·Bᵀ
		g.matmulGrad(a, b, gy, true, true)
		g.matmulGrad(b, gy, a, true, true)
	}
}

// Add returns a + b element-wise; b may broadcast onto a (a bias [F]
// onto [N, F], a per-channel [1, C, 1, 1] onto [N, C, H, W], a scalar; see
// the package documentation). The result has a's shape.
func (g *Graph[T]) Add(a, b *Var[T]) *Var[T] { return g.binary(opAdd, kAdd, "add", a, b) }

// Sub returns a − b element-wise, b broadcasting onto a as in Add.
func (g *Graph[T]) Sub(a, b *Var[T]) *Var[T] { return g.binary(opSub, kSub, "sub", a, b) }

// Mul returns a ⊙ b element-wise, b broadcasting onto a as in Add.
func (g *Graph[T]) Mul(a, b *Var[T]) *Var[T] { return g.binary(opMul, kMul, "mul", a, b) }

func (g *Graph[T]) binary(op opcode, kind ewKind, name string, a, b *Var[T]) *Var[T] {
	if !g.ok2(name, a, b) {
		return &g.poison
	}
	_, mid, inner, ok := bcast(a.Value.Shape, b.Value.Shape)
	if !ok {
		return g.failf("%s: cannot broadcast %v onto %v", name, b.Value.Shape, a.Value.Shape)
	}
	y := g.alloc(a.Value.Shape...)
	g.ewBinary(kind, y.Value.Data, a.Value.Data, b.Value.Data, mid, inner, 1)
	g.record(op, y, a, b, nil)
	return y
}

// ewBinary runs a broadcasting element-wise kernel.
func (g *Graph[T]) ewBinary(kind ewKind, d, a, b []T, mid, inner int, s T) {
	t := &g.k.ew
	t.kind, t.d, t.a, t.b, t.mid, t.inner, t.s = kind, d, a, b, mid, inner, s
	t.run()
}

// ewUnary runs an element-wise kernel of one operand.
func (g *Graph[T]) ewUnary(kind ewKind, d, a []T, s T) {
	t := &g.k.ew
	t.kind, t.d, t.a, t.s = kind, d, a, s
	t.run()
}

// reduce sets d = beta·d + alpha·(x summed to d's broadcast shape).
func (g *Graph[T]) reduce(d, x []T, outer, mid, inner int, alpha, beta T) {
	t := &g.k.red
	t.x, t.d, t.outer, t.mid, t.inner, t.alpha, t.beta = x, d, outer, mid, inner, alpha, beta
	t.run()
}

// accumReduced adds alpha·SumTo(x, v's shape) to the gradient of v.
func (g *Graph[T]) accumReduced(v, x *Var[T], alpha T) {
	if !v.req {
		return
	}
	outer, mid, inner, _ := bcast(x.Value.Shape, v.Value.Shape)
	if sink := g.leafSink(v); sink != nil {
		g.reduce(sink.Data, x.Value.Data, outer, mid, inner, alpha, 1)
		return
	}
	if g.create {
		gv := x
		if len(x.Value.Data) != len(v.Value.Data) {
			gv = g.sumTo(x, v.Value.Shape, 1)
		}
		if alpha != 1 {
			gv = g.Scale(gv, alpha)
		}
		g.accum(v, gv)
		return
	}
	if len(x.Value.Data) == len(v.Value.Data) && alpha == 1 {
		g.accum(v, x)
		return
	}
	gv := g.alloc(v.Value.Shape...)
	g.reduce(gv.Value.Data, x.Value.Data, outer, mid, inner, alpha, 0)
	g.accum(v, gv)
}

func (g *Graph[T]) bwBinary(n *node[T], gy *Var[T]) {
	a, b := n.in[0], n.in[1]
	switch n.op {
	case opAdd:
		g.accum(a, gy)
		g.accumReduced(b, gy, 1)
	case opSub:
		g.accum(a, gy)
		g.accumReduced(b, gy, -1)
	case opMul:
		if a.req {
			g.accum(a, g.Mul(gy, b))
		}
		if b.req {
			g.accumReduced(b, g.Mul(gy, a), 1)
		}
	}
}

// Scale returns s·x.
func (g *Graph[T]) Scale(x *Var[T], s T) *Var[T] {
	if !g.ok1("scale", x) {
		return &g.poison
	}
	y := g.alloc(x.Value.Shape...)
	g.ewUnary(kScale, y.Value.Data, x.Value.Data, s)
	if n := g.record(opScale, y, x, nil, nil); n != nil {
		n.s[0] = float64(s)
	}
	return y
}

// Neg returns −x.
func (g *Graph[T]) Neg(x *Var[T]) *Var[T] { return g.Scale(x, -1) }

// AddScalar returns x + c element-wise.
func (g *Graph[T]) AddScalar(x *Var[T], c T) *Var[T] {
	if !g.ok1("add scalar", x) {
		return &g.poison
	}
	y := g.alloc(x.Value.Shape...)
	g.ewUnary(kAddScalar, y.Value.Data, x.Value.Data, c)
	g.record(opAddScalar, y, x, nil, nil)
	return y
}

// Sum returns the sum of all elements of x as a scalar (shape []).
func (g *Graph[T]) Sum(x *Var[T]) *Var[T] {
	if !g.ok1("sum", x) {
		return &g.poison
	}
	return g.sumTo(x, nil, 1)
}

// Mean returns the mean of all elements of x as a scalar.
func (g *Graph[T]) Mean(x *Var[T]) *Var[T] {
	if !g.ok1("mean", x) {
		return &g.poison
	}
	return g.sumTo(x, nil, 1/T(max(len(x.Value.Data), 1)))
}

// SumTo sums x down to shape, which must broadcast onto x's shape as in
// Add: SumTo(x, F) of x [N, F] sums over the batch (a bias gradient),
// [1, C, 1, 1] sums each channel of an NCHW tensor, [R, 1] each row.
func (g *Graph[T]) SumTo(x *Var[T], shape ...int) *Var[T] {
	if !g.ok1("sum to", x) {
		return &g.poison
	}
	if !validShape(shape) {
		return g.failf("sum of %v to %v: negative dimension", x.Value.Shape, copyInts(shape))
	}
	if _, _, _, ok := bcast(x.Value.Shape, shape); !ok {
		return g.failf("sum of %v to %v: the shape does not broadcast onto it", x.Value.Shape, copyInts(shape))
	}
	return g.sumTo(x, shape, 1)
}

// MeanTo is SumTo divided by the number of elements summed into each
// result.
func (g *Graph[T]) MeanTo(x *Var[T], shape ...int) *Var[T] {
	if !g.ok1("mean to", x) {
		return &g.poison
	}
	if !validShape(shape) {
		return g.failf("mean of %v to %v: negative dimension", x.Value.Shape, copyInts(shape))
	}
	if _, _, _, ok := bcast(x.Value.Shape, shape); !ok {
		return g.failf("mean of %v to %v: the shape does not broadcast onto it", x.Value.Shape, copyInts(shape))
	}
	return g.sumTo(x, shape, T(numel(shape))/T(max(len(x.Value.Data), 1)))
}

// sumTo returns alpha·SumTo(x, shape) for a shape already checked.
func (g *Graph[T]) sumTo(x *Var[T], shape []int, alpha T) *Var[T] {
	outer, mid, inner, _ := bcast(x.Value.Shape, shape)
	y := g.alloc(shape...)
	g.reduce(y.Value.Data, x.Value.Data, outer, mid, inner, alpha, 0)
	if n := g.record(opSumTo, y, x, nil, nil); n != nil {
		n.s[0] = float64(alpha)
	}
	return y
}

// Expand broadcasts x to shape (x's shape must broadcast onto it as in
// Add), copying its elements: the adjoint of SumTo.
func (g *Graph[T]) Expand(x *Var[T], shape ...int) *Var[T] {
	if !g.ok1("expand", x) {
		return &g.poison
	}
	if !validShape(shape) {
		return g.failf("expand %v to %v: negative dimension", x.Value.Shape, copyInts(shape))
	}
	if _, _, _, ok := bcast(shape, x.Value.Shape); !ok {
		return g.failf("expand %v to %v: the shapes do not broadcast", x.Value.Shape, copyInts(shape))
	}
	return g.expand(x, shape, 1)
}

// expand returns alpha·x broadcast to shape, already checked.
func (g *Graph[T]) expand(x *Var[T], shape []int, alpha T) *Var[T] {
	_, mid, inner, _ := bcast(shape, x.Value.Shape)
	y := g.alloc(shape...)
	g.ewBinary(kExpand, y.Value.Data, nil, x.Value.Data, mid, inner, alpha)
	if n := g.record(opExpand, y, x, nil, nil); n != nil {
		n.s[0] = float64(alpha)
	}
	return y
}

// Reshape returns x with a new shape, sharing its data (a view). One
// dimension may be −1, inferred from the others.
func (g *Graph[T]) Reshape(x *Var[T], shape ...int) *Var[T] {
	if !g.ok1("reshape", x) {
		return &g.poison
	}
	infer, n := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			return g.failf("reshape %v to %v: bad dimension %d", x.Value.Shape, copyInts(shape), d)
		default:
			n *= d
		}
	}
	total := len(x.Value.Data)
	if infer >= 0 && (n == 0 || total%n != 0) || infer < 0 && n != total {
		return g.failf("cannot reshape %v (%d elements) to %v", x.Value.Shape, total, copyInts(shape))
	}
	y := g.view(x, shape)
	if infer >= 0 {
		y.shp[infer] = total / n
	}
	g.record(opReshape, y, x, nil, nil)
	return y
}

// reshapeTo is Reshape to a known good shape.
func (g *Graph[T]) reshapeTo(x *Var[T], shape []int) *Var[T] {
	if sameShape(x.Value.Shape, shape) {
		return x
	}
	y := g.view(x, shape)
	g.record(opReshape, y, x, nil, nil)
	return y
}

// Flatten returns x [N, d1, d2, …] as [N, d1·d2·…], PyTorch's
// nn.Flatten() (start_dim 1).
func (g *Graph[T]) Flatten(x *Var[T]) *Var[T] {
	if !g.ok1("flatten", x) {
		return &g.poison
	}
	if x.Value.Rank() < 1 {
		return g.failf("flatten of a scalar")
	}
	return g.Reshape(x, x.Value.Shape[0], -1)
}

func (g *Graph[T]) bwShape(n *node[T], gy *Var[T]) {
	x := n.in[0]
	switch n.op {
	case opScale:
		if g.create {
			g.accum(x, g.Scale(gy, T(n.s[0])))
			return
		}
		g.accumReduced(x, gy, T(n.s[0]))
	case opAddScalar:
		g.accum(x, gy)
	case opSumTo:
		g.accum(x, g.expand(gy, x.Value.Shape, T(n.s[0])))
	case opExpand:
		g.accumReduced(x, gy, T(n.s[0]))
	case opReshape:
		g.accum(x, g.reshapeTo(gy, x.Value.Shape))
	}
}
