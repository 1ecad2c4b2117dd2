package train

import (
	"context"
	"fmt"
	"math"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/data"
	"github.com/descent-ml/descent/tensor"
)

// lossFn computes a loss on a batch.
type lossFn struct {
	kind    string // ce, mse or bce
	classes bool   // the data has class labels (one-hot targets for mse and bce)
	out     int
	onehot  []float32
	tgt     tensor.Tensor[float32]
}

// resolveLoss returns the loss kind for data of the given kind: the
// default, or loss if it fits.
func resolveLoss(loss string, kind data.Kind) (string, error) {
	switch {
	case loss == "" && kind == data.Regression:
		return "mse", nil
	case loss == "":
		return "ce", nil
	case loss == "ce" && kind == data.Regression:
		return "", fmt.Errorf("loss ce needs class labels, but the data has regression targets (use mse, or bce for targets in [0, 1])")
	}
	return loss, nil
}

// forward records the loss of out (the model's outputs, [n, Out]) on
// the batch's labels or targets, reduced by r.
func (l *lossFn) forward(g *autograd.Graph[float32], out *autograd.Var[float32], labels []int, targets []float32, r autograd.Reduction) *autograd.Var[float32] {
	if l.kind == "ce" {
		return g.CrossEntropy(out, labels, r)
	}
	n := out.Value.Shape[0]
	var t []float32
	if l.classes {
		need := n * l.out
		if cap(l.onehot) < need {
			l.onehot = make([]float32, need)
		}
		t = l.onehot[:need]
		clear(t)
		for i, c := range labels {
			t[i*l.out+c] = 1
		}
	} else {
		t = targets
	}
	l.tgt.Data = t
	l.tgt.Shape = append(l.tgt.Shape[:0], n, l.out)
	tv := g.Input(&l.tgt)
	if l.kind == "mse" {
		return g.MSE(out, tv, r)
	}
	return g.BCEWithLogits(out, tv, r)
}

// perExample is how many loss terms one example adds to a mean-reduced
// loss: one for cross-entropy, one per output for mse and bce.
func (l *lossFn) perExample() int {
	if l.kind == "ce" {
		return 1
	}
	return l.out
}

// measurement is a model's loss and, for classes, accuracy on a data set.
type measurement struct {
	Loss float64
	// Acc is the fraction of examples whose largest output is their
	// class; nil for regression.
	Acc      *float64
	Examples int
}

// evaluator evaluates a model on whole data sets, in batches, with
// gradients off.
type evaluator struct {
	net   *Net
	loss  *lossFn
	g     *autograd.Graph[float32]
	batch int
	x     tensor.Tensor[float32]
}

func newEvaluator(net *Net, loss *lossFn, batch int) *evaluator {
	g := autograd.NewGraph[float32]()
	g.SetGradEnabled(false)
	return &evaluator{net: net, loss: &lossFn{kind: loss.kind, classes: loss.classes, out: loss.out}, g: g, batch: batch}
}

// run evaluates the model, in eval mode, on ds. It leaves the model in
// eval mode; the caller restores training mode.
func (e *evaluator) run(ctx context.Context, ds *data.Dataset) (measurement, error) {
	m := e.net.Module
	m.Eval()
	n, d := ds.Len(), ds.Dim()
	if n == 0 {
		return measurement{}, fmt.Errorf("evaluate: empty data set")
	}
	var sum float64
	correct := 0
	classes := ds.Kind() == data.Classification
	for lo := 0; lo < n; lo += e.batch {
		if err := ctx.Err(); err != nil {
			return measurement{}, err
		}
		hi := min(lo+e.batch, n)
		e.g.Reset()
		e.x.Data = ds.X[lo*d : hi*d]
		e.x.Shape = append(append(e.x.Shape[:0], hi-lo), e.net.InShape...)
		out, err := m.Forward(e.g, e.g.Input(&e.x))
		if err != nil {
			return measurement{}, err
		}
		var labels []int
		var targets []float32
		if classes {
			labels = ds.Labels[lo:hi]
		} else {
			k := ds.TargetDim
			targets = ds.Targets[lo*k : hi*k]
		}
		l := e.loss.forward(e.g, out, labels, targets, autograd.ReduceSum)
		if err := e.g.Err(); err != nil {
			return measurement{}, err
		}
		sum += float64(l.Item())
		if classes {
			correct += countCorrect(out.Value.Data, e.net.Out, labels)
		}
	}
	res := measurement{Loss: sum / float64(n*e.loss.perExample()), Examples: n}
	if classes {
		acc := float64(correct) / float64(n)
		res.Acc = &acc
	}
	return res, nil
}

// countCorrect counts the rows of out ([len(labels), c]) whose largest
// value (the first, on ties) is at the label.
func countCorrect(out []float32, c int, labels []int) int {
	k := 0
	for i, lab := range labels {
		row := out[i*c : (i+1)*c]
		best := 0
		for j, v := range row {
			if v > row[best] || math.IsNaN(float64(v)) && !math.IsNaN(float64(row[best])) {
				best = j
			}
		}
		if best == lab {
			k++
		}
	}
	return k
}
