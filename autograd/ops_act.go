package autograd

import (
	"fmt"

	"github.com/descent-ml/descent/tensor"
)

// ReLU returns max(x, 0) element-wise. Its derivative is taken as 0 at 0,
// as PyTorch does; its second derivative is 0 everywhere it exists.
func (g *Graph[T]) ReLU(x *Var[T]) *Var[T] {
	if !g.ok1("relu", x) {
		return &g.poison
	}
	y := g.alloc(x.Value.Shape...)
	_ = tensor.ReLU(&y.Value, &x.Value)
	g.record(opReLU, y, x, nil, nil)
	return y
}

// LeakyReLU returns x where x ≥ 0 and slope·x elsewhere (PyTorch's
// negative_slope, 0.01 by default in nn.LeakyReLU).
func (g *Graph[T]) LeakyReLU(x *Var[T], slope T) *Var[T] {
	if !g.ok1("leaky relu", x) {
		return &g.poison
	}
	y := g.alloc(x.Value.Shape...)
	_ = tensor.LeakyReLU(&y.Value, &x.Value, slope)
	if n := g.record(opLeakyReLU, y, x, nil, nil); n != nil {
		n.s[0] = float64(slope)
	}
	return y
}

// Sigmoid returns 1/(1+e^−x) element-wise.
func (g *Graph[T]) Sigmoid(x *Var[T]) *Var[T] {
	if !g.ok1("sigmoid", x) {
		return &g.poison
	}
	y := g.alloc(x.Value.Shape...)
	_ = tensor.Sigmoid(&y.Value, &x.Value)
	g.record(opSigmoid, y, x, nil, nil)
	return y
}

// Tanh returns tanh(x) element-wise.
func (g *Graph[T]) Tanh(x *Var[T]) *Var[T] {
	if !g.ok1("tanh", x) {
		return &g.poison
	}
	y := g.alloc(x.Value.Shape...)
	_ = tensor.Tanh(&y.Value, &x.Value)
	g.record(opTanh, y, x, nil, nil)
	return y
}

// GELU returns x·Φ(x) element-wise, Φ the standard normal CDF (PyTorch's
// GELU with approximate='none'). Derivatives of every order are exact.
func (g *Graph[T]) GELU(x *Var[T]) *Var[T] {
	if !g.ok1("gelu", x) {
		return &g.poison
	}
	return g.deriv(fnGELU, 0, x)
}

// GELUTanh returns PyTorch's tanh approximation of GELU (approximate=
// 'tanh'): ½x(1 + tanh(√(2/π)(x + 0.044715x³))). Its first and second
// derivatives are implemented (a third is an error).
func (g *Graph[T]) GELUTanh(x *Var[T]) *Var[T] {
	if !g.ok1("gelu", x) {
		return &g.poison
	}
	return g.deriv(fnGELUTanh, 0, x)
}

// Exp returns eˣ element-wise.
func (g *Graph[T]) Exp(x *Var[T]) *Var[T] { return g.fn(opExp, fnExp, "exp", x) }

// Log returns the natural logarithm of x element-wise.
func (g *Graph[T]) Log(x *Var[T]) *Var[T] { return g.fn(opLog, fnLog, "log", x) }

// Reciprocal returns 1/x element-wise.
func (g *Graph[T]) Reciprocal(x *Var[T]) *Var[T] { return g.fn(opRecip, fnRecip, "reciprocal", x) }

// Sqrt returns √x element-wise.
func (g *Graph[T]) Sqrt(x *Var[T]) *Var[T] { return g.fn(opSqrt, fnSqrt, "sqrt", x) }

// Rsqrt returns 1/√x element-wise.
func (g *Graph[T]) Rsqrt(x *Var[T]) *Var[T] { return g.fn(opRsqrt, fnRsqrt, "rsqrt", x) }

// Div returns a / b element-wise, b broadcasting onto a as in Add.
func (g *Graph[T]) Div(a, b *Var[T]) *Var[T] {
	if !g.ok2("div", a, b) {
		return &g.poison
	}
	return g.Mul(a, g.Reciprocal(b))
}

// Square returns x² element-wise.
func (g *Graph[T]) Square(x *Var[T]) *Var[T] { return g.Mul(x, x) }

func (g *Graph[T]) fn(op opcode, f fnKind, name string, x *Var[T]) *Var[T] {
	if !g.ok1(name, x) {
		return &g.poison
	}
	y := g.alloc(x.Value.Shape...)
	t := &g.k.ew
	t.kind, t.fn, t.order, t.d, t.a = kFunc, f, 0, y.Value.Data, x.Value.Data
	t.run()
	g.record(op, y, x, nil, nil)
	return y
}

// deriv returns f⁽ᵏ⁾(x) element-wise, times c when c is not nil (c is
// then a constant of the rule that needs it, not differentiated).
func (g *Graph[T]) deriv(f fnKind, k int, x *Var[T]) *Var[T] {
	if f == fnGELUTanh && k > maxOrderGELUTanh {
		return g.fail(fmt.Errorf("autograd: derivative %d of the tanh-approximate GELU is not implemented", k))
	}
	y := g.alloc(x.Value.Shape...)
	t := &g.k.ew
	t.kind, t.fn, t.order, t.d, t.a = kFunc, f, k, y.Value.Data, x.Value.Data
	t.run()
	if n := g.record(opDeriv, y, x, nil, nil); n != nil {
		n.k = [2]int{int(f), k}
	}
	return y
}

func (g *Graph[T]) bwElementwise(n *node[T], gy *Var[T]) {
	x, y := n.in[0], n.out
	if !x.req {
		return
	}
	if !g.create {
		switch n.op {
		case opReLU, opLeakyReLU, opSigmoid, opTanh, opDeriv:
			gx := g.alloc(x.Value.Shape...)
			switch n.op {
			case opReLU:
				_ = tensor.ReLUBackward(&gx.Value, &gy.Value, &x.Value)
			case opLeakyReLU:
				_ = tensor.LeakyReLUBackward(&gx.Value, &gy.Value, &x.Value, T(n.s[0]))
			case opSigmoid:
				_ = tensor.SigmoidBackward(&gx.Value, &gy.Value, &y.Value)
			case opTanh:
				_ = tensor.TanhBackward(&gx.Value, &gy.Value, &y.Value)
			case opDeriv:
				f, k := fnKind(n.k[0]), n.k[1]+1
				if f == fnGELUTanh && k > maxOrderGELUTanh {
					g.fail(fmt.Errorf("autograd: derivative %d of the tanh-approximate GELU is not implemented", k))
					return
				}
				t := &g.k.ew
				t.kind, t.fn, t.order, t.d, t.a, t.c = kFunc, f, k, gx.Value.Data, x.Value.Data, gy.Value.Data
				t.run()
			}
			g.accum(x, gx)
			return
		}
	}
	var d *Var[T] // dy/dx, as a value of the graph
	switch n.op {
	case opReLU, opLeakyReLU:
		d = g.alloc(x.Value.Shape...)
		g.ewUnary(kMask, d.Value.Data, x.Value.Data, T(n.s[0]))
	case opSigmoid: // y(1−y)
		d = g.Mul(y, g.AddScalar(g.Neg(y), 1))
	case opTanh: // 1−y²
		d = g.AddScalar(g.Neg(g.Mul(y, y)), 1)
	case opDeriv:
		d = g.deriv(fnKind(n.k[0]), n.k[1]+1, x)
	case opExp:
		d = y
	case opLog:
		d = g.Reciprocal(x)
	case opRecip: // −y²
		d = g.Neg(g.Mul(y, y))
	case opSqrt: // 1/(2y)
		d = g.Scale(g.Reciprocal(y), 0.5)
	case opRsqrt: // −½y³
		d = g.Scale(g.Mul(y, g.Mul(y, y)), -0.5)
	}
	g.accum(x, g.Mul(gy, d))
}

// rowShape stores x's shape with its last dimension 1 in the node.
func (n *node[T]) rowShape(x []int) {
	n.setShape(x)
	n.shape[len(n.shape)-1] = 1
}

// Softmax returns the softmax of x along its last dimension,
// e^(x−max)/Σe^(x−max), computed stably.
func (g *Graph[T]) Softmax(x *Var[T]) *Var[T] {
	return g.softmax(opSoftmax, "softmax", x)
}

// LogSoftmax returns the log-softmax of x along its last dimension,
// x − max − log Σe^(x−max).
func (g *Graph[T]) LogSoftmax(x *Var[T]) *Var[T] {
	return g.softmax(opLogSoftmax, "log-softmax", x)
}

func (g *Graph[T]) softmax(op opcode, name string, x *Var[T]) *Var[T] {
	if !g.ok1(name, x) {
		return &g.poison
	}
	if x.Value.Rank() < 1 {
		return g.failf("%s of a scalar", name)
	}
	y := g.alloc(x.Value.Shape...)
	if op == opSoftmax {
		_ = tensor.Softmax(&y.Value, &x.Value)
	} else {
		_ = tensor.LogSoftmax(&y.Value, &x.Value)
	}
	if n := g.record(op, y, x, nil, nil); n != nil {
		n.rowShape(x.Value.Shape)
	}
	return y
}

func (g *Graph[T]) bwSoftmax(n *node[T], gy *Var[T]) {
	x, y := n.in[0], n.out
	if !x.req {
		return
	}
	if !g.create {
		gx := g.alloc(x.Value.Shape...)
		if n.op == opSoftmax {
			_ = tensor.SoftmaxBackward(&gx.Value, &gy.Value, &y.Value)
		} else {
			_ = tensor.LogSoftmaxBackward(&gx.Value, &gy.Value, &y.Value)
		}
		g.accum(x, gx)
		return
	}
	if n.op == opSoftmax { // y·(gy − Σ gy·y)
		s := g.sumTo(g.Mul(gy, y), n.shape, 1)
		g.accum(x, g.Mul(y, g.Sub(gy, s)))
		return
	}
	// gy − e^y·Σ gy
	s := g.sumTo(gy, n.shape, 1)
	g.accum(x, g.Sub(gy, g.Mul(g.Exp(y), s)))
}
