package autograd

import "fmt"

// Reduction says how a loss combines its per-element values, as PyTorch's
// reduction argument. The zero value is ReduceMean, PyTorch's default.
type Reduction int

// The reductions.
const (
	ReduceMean Reduction = iota // the mean over elements (or samples)
	ReduceSum                   // the sum
	ReduceNone                  // no reduction: one loss per element
)

// String returns PyTorch's name: "mean", "sum" or "none".
func (r Reduction) String() string {
	switch r {
	case ReduceMean:
		return "mean"
	case ReduceSum:
		return "sum"
	case ReduceNone:
		return "none"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

// ParseReduction returns the reduction PyTorch names s.
func ParseReduction(s string) (Reduction, error) {
	switch s {
	case "mean":
		return ReduceMean, nil
	case "sum":
		return ReduceSum, nil
	case "none":
		return ReduceNone, nil
	}
	return 0, fmt.Errorf("autograd: unknown reduction %q (want mean, sum or none)", s)
}

// reduce applies r to per-element losses l, times sign.
func (g *Graph[T]) reduceLoss(l *Var[T], r Reduction, sign T) *Var[T] {
	switch r {
	case ReduceMean:
		return g.sumTo(l, nil, sign/T(max(len(l.Value.Data), 1)))
	case ReduceSum:
		return g.sumTo(l, nil, sign)
	case ReduceNone:
		if sign != 1 {
			return g.Scale(l, sign)
		}
		return l
	}
	return g.fail(fmt.Errorf("autograd: unknown reduction %d", int(r)))
}

// CrossEntropy returns the cross-entropy of logits [N, C] against class
// indices targets (N of them, each in [0, C)): −log softmax(logits)[i, tᵢ],
// reduced by r. It is PyTorch's CrossEntropyLoss (no weights, no label
// smoothing).
func (g *Graph[T]) CrossEntropy(logits *Var[T], targets []int, r Reduction) *Var[T] {
	if !g.ok1("cross-entropy", logits) {
		return &g.poison
	}
	if err := checkClasses("cross-entropy", logits.Value.Shape, targets); err != nil {
		return g.fail(err)
	}
	return g.reduceLoss(g.pick(g.LogSoftmax(logits), targets), r, -1)
}

// NLL returns the negative log-likelihood of log-probabilities logp
// [N, C] for class indices targets: −logp[i, tᵢ], reduced by r (PyTorch's
// NLLLoss).
func (g *Graph[T]) NLL(logp *Var[T], targets []int, r Reduction) *Var[T] {
	if !g.ok1("nll", logp) {
		return &g.poison
	}
	if err := checkClasses("nll", logp.Value.Shape, targets); err != nil {
		return g.fail(err)
	}
	return g.reduceLoss(g.pick(logp, targets), r, -1)
}

func checkClasses(name string, shape []int, targets []int) error {
	if len(shape) != 2 {
		return ShapeErrorf("autograd: %s of input %v: need [N, C]", name, shape)
	}
	if len(targets) != shape[0] {
		return ShapeErrorf("autograd: %s of input %v with %d targets", name, shape, len(targets))
	}
	for i, t := range targets {
		if t < 0 || t >= shape[1] {
			return fmt.Errorf("autograd: %s: target %d (sample %d) out of range for %d classes", name, t, i, shape[1])
		}
	}
	return nil
}

// MSE returns the squared error (x − target)², reduced by r (PyTorch's
// MSELoss). x and target have the same shape.
func (g *Graph[T]) MSE(x, target *Var[T], r Reduction) *Var[T] {
	if !g.ok2("mse", x, target) {
		return &g.poison
	}
	if !sameShape(x.Value.Shape, target.Value.Shape) {
		return g.failf("mse of input %v against target %v", x.Value.Shape, target.Value.Shape)
	}
	d := g.Sub(x, target)
	return g.reduceLoss(g.Mul(d, d), r, 1)
}

// BCEWithLogits returns the binary cross-entropy of sigmoid(x) against
// target, computed stably from the logits x: max(x, 0) − x·t +
// log(1 + e^−|x|), reduced by r (PyTorch's BCEWithLogitsLoss, no weights).
func (g *Graph[T]) BCEWithLogits(x, target *Var[T], r Reduction) *Var[T] {
	if !g.ok2("bce with logits", x, target) {
		return &g.poison
	}
	if !sameShape(x.Value.Shape, target.Value.Shape) {
		return g.failf("bce with logits of input %v against target %v", x.Value.Shape, target.Value.Shape)
	}
	l := g.alloc(x.Value.Shape...)
	t := &g.k.ew
	t.kind, t.d, t.a, t.b = kBCE, l.Value.Data, x.Value.Data, target.Value.Data
	t.run()
	g.record(opBCE, l, x, target, nil)
	return g.reduceLoss(l, r, 1)
}

func (g *Graph[T]) bwBCE(n *node[T], gy *Var[T]) {
	x, tg := n.in[0], n.in[1]
	if x.req {
		if g.create {
			g.accum(x, g.Mul(gy, g.Sub(g.Sigmoid(x), tg)))
		} else {
			gx := g.alloc(x.Value.Shape...)
			t := &g.k.ew
			t.kind, t.d, t.a, t.b, t.c = kBCEGrad, gx.Value.Data, x.Value.Data, tg.Value.Data, gy.Value.Data
			t.run()
			g.accum(x, gx)
		}
	}
	if tg.req {
		g.accum(tg, g.Neg(g.Mul(gy, x)))
	}
}
