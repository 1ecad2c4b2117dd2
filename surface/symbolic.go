package surface

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// op is the operation of an expression node.
type op uint8

const (
	opConst op = iota
	opVar
	opNeg
	opAdd
	opSub
	opMul
	opDiv
	opPow
	// Functions of one argument.
	opSin
	opCos
	opTan
	opExp
	opLog
	opSqrt
	opAbs
	opTanh
	opSinh
	opCosh
	opAtan
	opSign // sign(u): the derivative of abs; not in the grammar
)

// funcNames maps the grammar's function names to their ops.
var funcNames = map[string]op{
	"sin": opSin, "cos": opCos, "tan": opTan, "exp": opExp, "log": opLog,
	"sqrt": opSqrt, "abs": opAbs, "tanh": opTanh, "sinh": opSinh,
	"cosh": opCosh, "atan": opAtan,
}

// opNames names the function ops for printing.
var opNames = map[op]string{
	opSin: "sin", opCos: "cos", opTan: "tan", opExp: "exp", opLog: "log",
	opSqrt: "sqrt", opAbs: "abs", opTanh: "tanh", opSinh: "sinh",
	opCosh: "cosh", opAtan: "atan", opSign: "sign",
}

// node is one node of an expression DAG. Nodes are hash-consed by a
// builder: two nodes with the same op and operands are the same node, so
// the derivatives of a product chain share their subexpressions instead of
// growing as a tree would.
type node struct {
	op   op
	a, b *node
	val  float64 // the constant's value; the variable's index for opVar
	id   int
}

func (n *node) isConst(v float64) bool { return n.op == opConst && n.val == v }

// nodeKey identifies a node for hash-consing.
type nodeKey struct {
	op   op
	a, b int
	val  uint64
}

// errTooComplex is returned when differentiation would build more than
// maxNodes nodes.
var errTooComplex = errors.New("too complex to differentiate (its derivatives would exceed 200000 terms)")

const maxNodes = 200_000

// builder makes simplified, hash-consed nodes.
type builder struct {
	nodes map[nodeKey]*node
	full  bool // more than maxNodes were asked for; results are then junk
}

func newBuilder() *builder { return &builder{nodes: make(map[nodeKey]*node)} }

func (b *builder) make(o op, x, y *node, val float64) *node {
	k := nodeKey{op: o, a: -1, b: -1, val: math.Float64bits(val)}
	if x != nil {
		k.a = x.id
	}
	if y != nil {
		k.b = y.id
	}
	if n, ok := b.nodes[k]; ok {
		return n
	}
	if len(b.nodes) >= maxNodes {
		b.full = true
		return b.num(0)
	}
	n := &node{op: o, a: x, b: y, val: val, id: len(b.nodes)}
	b.nodes[k] = n
	return n
}

// num returns the constant v. Every zero is +0, so that −0 and 0 are one
// node.
func (b *builder) num(v float64) *node {
	if v == 0 {
		v = 0
	}
	k := nodeKey{op: opConst, a: -1, b: -1, val: math.Float64bits(v)}
	if n, ok := b.nodes[k]; ok {
		return n
	}
	n := &node{op: opConst, val: v, id: len(b.nodes)}
	b.nodes[k] = n
	return n
}

func (b *builder) variable(i int) *node { return b.make(opVar, nil, nil, float64(i)) }

// The constructors below simplify lightly: constants fold, 0 and 1 vanish
// where they are identities, −(−u) = u, u − u = 0, and a constant factor
// moves to the left, x + (−c) becomes x − c.

func (b *builder) neg(x *node) *node {
	switch {
	case x.op == opConst:
		return b.num(-x.val)
	case x.op == opNeg:
		return x.a
	}
	return b.make(opNeg, x, nil, 0)
}

func (b *builder) add(x, y *node) *node {
	switch {
	case x.op == opConst && y.op == opConst:
		return b.num(x.val + y.val)
	case x.isConst(0):
		return y
	case y.isConst(0):
		return x
	case y.op == opNeg:
		return b.sub(x, y.a)
	case y.op == opConst && y.val < 0: // x + (−c) = x − c exactly
		return b.sub(x, b.num(-y.val))
	}
	return b.make(opAdd, x, y, 0)
}

func (b *builder) sub(x, y *node) *node {
	switch {
	case x.op == opConst && y.op == opConst:
		return b.num(x.val - y.val)
	case y.isConst(0):
		return x
	case x.isConst(0):
		return b.neg(y)
	case x == y:
		return b.num(0)
	case y.op == opNeg:
		return b.add(x, y.a)
	case y.op == opConst && y.val < 0:
		return b.add(x, b.num(-y.val))
	}
	return b.make(opSub, x, y, 0)
}

func (b *builder) mul(x, y *node) *node {
	if y.op == opConst && x.op != opConst {
		x, y = y, x
	}
	switch {
	case x.op == opConst && y.op == opConst:
		return b.num(x.val * y.val)
	case x.isConst(0):
		return x
	case x.isConst(1):
		return y
	case x.isConst(-1):
		return b.neg(y)
	case x.op == opConst && y.op == opMul && y.a.op == opConst:
		return b.mul(b.num(x.val*y.a.val), y.b)
	case x.op == opConst && y.op == opNeg:
		return b.mul(b.num(-x.val), y.a)
	}
	return b.make(opMul, x, y, 0)
}

func (b *builder) div(x, y *node) *node {
	switch {
	case x.op == opConst && y.op == opConst:
		return b.num(x.val / y.val)
	case x.isConst(0):
		return x
	case y.isConst(1):
		return x
	}
	return b.make(opDiv, x, y, 0)
}

func (b *builder) pow(x, y *node) *node {
	switch {
	case x.op == opConst && y.op == opConst:
		return b.num(pow(x.val, y.val))
	case y.isConst(0):
		return b.num(1)
	case y.isConst(1):
		return x
	}
	return b.make(opPow, x, y, 0)
}

func (b *builder) call(o op, x *node) *node {
	if x.op == opConst {
		return b.num(apply(o, x.val))
	}
	return b.make(o, x, nil, 0)
}

// apply computes the one-argument function o.
func apply(o op, v float64) float64 {
	switch o {
	case opSin:
		return math.Sin(v)
	case opCos:
		return math.Cos(v)
	case opTan:
		return math.Tan(v)
	case opExp:
		return math.Exp(v)
	case opLog:
		return math.Log(v)
	case opSqrt:
		return math.Sqrt(v)
	case opAbs:
		return math.Abs(v)
	case opTanh:
		return math.Tanh(v)
	case opSinh:
		return math.Sinh(v)
	case opCosh:
		return math.Cosh(v)
	case opAtan:
		return math.Atan(v)
	case opSign:
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		case v == 0:
			return 0
		}
		return math.NaN()
	}
	return math.NaN()
}

// deriv returns ∂n/∂x_i, memoised in memo (one map per variable).
func (b *builder) deriv(n *node, i int, memo map[*node]*node) *node {
	if d, ok := memo[n]; ok {
		return d
	}
	if b.full {
		return b.num(0)
	}
	var d *node
	switch n.op {
	case opConst:
		d = b.num(0)
	case opVar:
		d = b.num(0)
		if int(n.val) == i {
			d = b.num(1)
		}
	case opNeg:
		d = b.neg(b.deriv(n.a, i, memo))
	case opAdd:
		d = b.add(b.deriv(n.a, i, memo), b.deriv(n.b, i, memo))
	case opSub:
		d = b.sub(b.deriv(n.a, i, memo), b.deriv(n.b, i, memo))
	case opMul:
		da, db := b.deriv(n.a, i, memo), b.deriv(n.b, i, memo)
		d = b.add(b.mul(da, n.b), b.mul(n.a, db))
	case opDiv:
		da, db := b.deriv(n.a, i, memo), b.deriv(n.b, i, memo)
		if db.isConst(0) {
			d = b.div(da, n.b)
		} else {
			// (u/v)' = u'/v − (u/v)·v'/v
			d = b.sub(b.div(da, n.b), b.mul(n, b.div(db, n.b)))
		}
	case opPow:
		u, v := n.a, n.b
		du, dv := b.deriv(u, i, memo), b.deriv(v, i, memo)
		switch {
		case dv.isConst(0): // (u^v)' = v·u^(v−1)·u'
			d = b.mul(b.mul(v, b.pow(u, b.sub(v, b.num(1)))), du)
		case du.isConst(0): // (u^v)' = u^v·log(u)·v'
			d = b.mul(b.mul(n, b.call(opLog, u)), dv)
		default: // (u^v)' = u^v·(v'·log u + v·u'/u)
			d = b.mul(n, b.add(b.mul(dv, b.call(opLog, u)), b.div(b.mul(v, du), u)))
		}
	default:
		du := b.deriv(n.a, i, memo)
		if du.isConst(0) {
			d = du
			break
		}
		u := n.a
		var outer *node // f'(u)
		switch n.op {
		case opSin:
			outer = b.call(opCos, u)
		case opCos:
			outer = b.neg(b.call(opSin, u))
		case opTan:
			outer = b.div(b.num(1), b.pow(b.call(opCos, u), b.num(2)))
		case opExp:
			outer = n
		case opLog:
			outer = b.div(b.num(1), u)
		case opSqrt:
			outer = b.div(b.num(0.5), n)
		case opAbs:
			outer = b.call(opSign, u)
		case opTanh:
			outer = b.sub(b.num(1), b.pow(n, b.num(2)))
		case opSinh:
			outer = b.call(opCosh, u)
		case opCosh:
			outer = b.call(opSinh, u)
		case opAtan:
			outer = b.div(b.num(1), b.add(b.num(1), b.pow(u, b.num(2))))
		case opSign:
			outer = b.num(0)
		}
		d = b.mul(outer, du)
	}
	memo[n] = d
	return d
}

// tape is a DAG flattened into evaluation order: slot k holds the value of
// instruction k; roots are the slots of the requested outputs.
type tape struct {
	ins   []instr
	roots []int
}

type instr struct {
	op   op
	a, b int32
	val  float64
}

// compile flattens the sub-DAG under roots.
func compile(roots ...*node) *tape {
	t := &tape{}
	slot := make(map[*node]int)
	var visit func(n *node) int
	visit = func(n *node) int {
		if s, ok := slot[n]; ok {
			return s
		}
		in := instr{op: n.op, a: -1, b: -1, val: n.val}
		if n.a != nil {
			in.a = int32(visit(n.a))
		}
		if n.b != nil {
			in.b = int32(visit(n.b))
		}
		slot[n] = len(t.ins)
		t.ins = append(t.ins, in)
		return slot[n]
	}
	for _, r := range roots {
		t.roots = append(t.roots, visit(r))
	}
	return t
}

// eval runs the tape at x with scratch s (len(s) ≥ len(t.ins)) and writes
// the roots' values into out.
func (t *tape) eval(x, s, out []float64) {
	for k, in := range t.ins {
		var v float64
		switch in.op {
		case opConst:
			v = in.val
		case opVar:
			v = x[int(in.val)]
		case opNeg:
			v = -s[in.a]
		case opAdd:
			v = s[in.a] + s[in.b]
		case opSub:
			v = s[in.a] - s[in.b]
		case opMul:
			v = s[in.a] * s[in.b]
		case opDiv:
			v = s[in.a] / s[in.b]
		case opPow:
			v = pow(s[in.a], s[in.b])
		default:
			v = apply(in.op, s[in.a])
		}
		s[k] = v
	}
	for i, r := range t.roots {
		out[i] = s[r]
	}
}

// pow is math.Pow, with small integer powers multiplied out so that x^2 is
// exactly x·x.
func pow(x, y float64) float64 {
	switch y {
	case 2:
		return x * x
	case 3:
		return x * x * x
	case -1:
		return 1 / x
	}
	return math.Pow(x, y)
}

// Printing, with the fewest parentheses that keep the tree: precedence 1
// for + −, 2 for * /, 3 for unary minus, 4 for ^, 5 for atoms.

func prec(n *node) int {
	switch n.op {
	case opAdd, opSub:
		return 1
	case opMul, opDiv:
		return 2
	case opNeg:
		return 3
	case opPow:
		return 4
	case opConst:
		if n.val < 0 || math.Signbit(n.val) || !finite(n.val) {
			return 0 // always in parentheses
		}
	}
	return 5
}

func format(n *node) string {
	var sb strings.Builder
	write(&sb, n)
	return sb.String()
}

func write(sb *strings.Builder, n *node) {
	paren := func(c *node, need bool) {
		if need {
			sb.WriteByte('(')
			write(sb, c)
			sb.WriteByte(')')
			return
		}
		write(sb, c)
	}
	switch n.op {
	case opConst:
		switch {
		case math.IsNaN(n.val):
			sb.WriteString("0/0")
		case math.IsInf(n.val, 1):
			sb.WriteString("1/0")
		case math.IsInf(n.val, -1):
			sb.WriteString("-1/0")
		default:
			sb.WriteString(strconv.FormatFloat(n.val, 'g', -1, 64))
		}
	case opVar:
		sb.WriteString(varNames[int(n.val)])
	case opNeg:
		sb.WriteByte('-')
		paren(n.a, prec(n.a) < 3)
	case opAdd, opSub, opMul, opDiv:
		p := prec(n)
		paren(n.a, prec(n.a) < p)
		sb.WriteString(map[op]string{opAdd: " + ", opSub: " - ", opMul: "*", opDiv: "/"}[n.op])
		paren(n.b, prec(n.b) <= p)
	case opPow:
		paren(n.a, prec(n.a) <= 4)
		sb.WriteByte('^')
		paren(n.b, prec(n.b) < 4)
	default:
		sb.WriteString(opNames[n.op])
		sb.WriteByte('(')
		write(sb, n.a)
		sb.WriteByte(')')
	}
}
