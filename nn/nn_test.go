package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/tensor"
)

func seeded(s uint64) *rand.Rand { return rand.New(rand.NewPCG(s, s+1)) }

func TestShapeErrors(t *testing.T) {
	cases := []struct {
		name  string
		m     Module[float32]
		input []int
		want  []string // substrings of the error
	}{
		{"linear_features", NewLinear[float32](784, 512, true, seeded(1)), []int{128, 100}, []string{"[512 784]", "[128 100]"}},
		{"linear_vector", NewLinear[float32](4, 2, true, seeded(1)), []int{4}, []string{"[2 4]", "[4]"}},
		{"conv_channels", NewConv2d[float32](Conv2dConfig{InChannels: 3, OutChannels: 8, KernelSize: Pair(3)}, seeded(1)), []int{2, 1, 8, 8}, []string{"[8 3 3 3]", "[2 1 8 8]"}},
		{"conv_rank", NewConv2d[float32](Conv2dConfig{InChannels: 3, OutChannels: 8, KernelSize: Pair(3)}, seeded(1)), []int{2, 3, 8}, []string{"[8 3 3 3]", "[2 3 8]"}},
		{"conv_too_small", NewConv2d[float32](Conv2dConfig{InChannels: 1, OutChannels: 1, KernelSize: Pair(5)}, seeded(1)), []int{1, 1, 3, 3}, []string{"[1 1 3 3]", "[5 5]"}},
		{"maxpool_rank", NewMaxPool2d[float32](PoolConfig{KernelSize: Pair(2)}), []int{4, 6}, []string{"[4 6]"}},
		{"avgpool_window", NewAvgPool2d[float32](PoolConfig{KernelSize: Pair(4)}), []int{1, 1, 3, 3}, []string{"[1 1 3 3]", "[4 4]"}},
		{"layernorm", NewLayerNorm[float32](6), []int{4, 5}, []string{"[6]", "[4 5]"}},
		{"batchnorm1d_channels", NewBatchNorm1d[float32](5), []int{8, 4}, []string{"BatchNorm1d(5)", "[8 4]"}},
		{"batchnorm2d_rank", NewBatchNorm2d[float32](3), []int{8, 3}, []string{"BatchNorm2d", "[8 3]"}},
		{"softmax_dim", NewSoftmax[float32](0), []int{3, 5}, []string{"dim=0", "[3 5]"}},
		{"sequential", NewSequential[float32](NewLinear[float32](4, 3, true, seeded(1)), NewReLU[float32](), NewLinear[float32](2, 1, true, seeded(2))),
			[]int{5, 4}, []string{"layer 2", "[1 2]", "[5 3]"}},
		{"embedding_index", NewEmbedding[float32](3, 2, false, seeded(1)), []int{2}, []string{"nn.Embedding(3, 2)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := autograd.NewGraph[float32]()
			x := tensor.Full[float32](7, c.input...)
			_, err := c.m.Forward(g, g.Input(x))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestShapeErrorsWrapErrShape(t *testing.T) {
	g := autograd.NewGraph[float64]()
	_, err := NewLinear[float64](3, 2, true, seeded(1)).Forward(g, g.Input(tensor.Zeros[float64](2, 4)))
	if !errors.Is(err, tensor.ErrShape) || !errors.Is(err, autograd.ErrShape) {
		t.Fatalf("%v does not wrap ErrShape", err)
	}
}

func TestLossErrors(t *testing.T) {
	g := autograd.NewGraph[float64]()
	x := g.Input(tensor.Zeros[float64](3, 4))
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"ce_count", func() error { _, err := CrossEntropyLoss[float64]{}.Forward(g, x, []int{1, 2}); return err }, "2 targets"},
		{"ce_range", func() error { _, err := CrossEntropyLoss[float64]{}.Forward(g, x, []int{1, 2, 4}); return err }, "target 4"},
		{"nll_range", func() error { _, err := NLLLoss[float64]{}.Forward(g, x, []int{-1, 0, 0}); return err }, "target -1"},
		{"mse_shape", func() error {
			_, err := MSELoss[float64]{}.Forward(g, x, g.Input(tensor.Zeros[float64](4, 3)))
			return err
		}, "[3 4]"},
		{"bce_shape", func() error {
			_, err := BCEWithLogitsLoss[float64]{}.Forward(g, x, g.Input(tensor.Zeros[float64](3)))
			return err
		}, "[3]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g.Reset()
			x = g.Input(tensor.Zeros[float64](3, 4))
			err := c.run()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func TestInitialisation(t *testing.T) {
	cases := []struct {
		name   string
		params []Parameter[float64]
		bound  float64 // uniform in ±bound; 0: see below
	}{
		{"linear", NewLinear[float64](400, 30, true, seeded(3)).Parameters(), 1 / math.Sqrt(400)},
		{"conv", NewConv2d[float64](Conv2dConfig{InChannels: 3, OutChannels: 16, KernelSize: [2]int{5, 3}}, seeded(3)).Parameters(), 1 / math.Sqrt(45)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.params {
				lo, hi := math.Inf(1), math.Inf(-1)
				for _, v := range p.Var.Value.Data {
					lo, hi = min(lo, v), max(hi, v)
				}
				if lo < -c.bound || hi > c.bound {
					t.Errorf("%s in [%v, %v], want within ±%v", p.Name, lo, hi, c.bound)
				}
				if n := p.Var.Value.Len(); n >= 30 && (hi < 0.8*c.bound || lo > -0.8*c.bound) {
					t.Errorf("%s in [%v, %v]: does not fill ±%v", p.Name, lo, hi, c.bound)
				}
			}
		})
	}
	// The same seed builds the same model.
	a, b := NewLinear[float32](5, 4, true, seeded(9)), NewLinear[float32](5, 4, true, seeded(9))
	for i := range a.Weight.Value.Data {
		if a.Weight.Value.Data[i] != b.Weight.Value.Data[i] {
			t.Fatal("the same seed gave different weights")
		}
	}
	// Norms start as the identity; embeddings standard normal.
	ln, bn := NewLayerNorm[float64](4), NewBatchNorm2d[float64](3)
	for _, v := range append(ln.Weight.Value.Data, bn.Weight.Value.Data...) {
		if v != 1 {
			t.Fatal("norm weight not one")
		}
	}
	for _, v := range append(append(ln.Bias.Value.Data, bn.Bias.Value.Data...), bn.RunningMean.Data...) {
		if v != 0 {
			t.Fatal("norm bias or running mean not zero")
		}
	}
	for _, v := range bn.RunningVar.Data {
		if v != 1 {
			t.Fatal("running variance not one")
		}
	}
	e := NewEmbedding[float64](100, 50, false, seeded(4))
	var s, s2 float64
	for _, v := range e.Weight.Value.Data {
		s += v
		s2 += v * v
	}
	n := float64(e.Weight.Value.Len())
	if mean, sd := s/n, math.Sqrt(s2/n-(s/n)*(s/n)); math.Abs(mean) > 0.05 || math.Abs(sd-1) > 0.05 {
		t.Fatalf("embedding mean %v sd %v, want 0 and 1", mean, sd)
	}
}

func mlp(rng *rand.Rand) *Sequential[float32] {
	return NewSequential[float32](
		NewLinear[float32](4, 8, true, rng),
		NewBatchNorm1d[float32](8),
		NewTanh[float32](),
		NewDropout[float32](0.5, seeded(2)),
		NewLinear[float32](8, 3, true, rng),
	)
}

func TestSequentialNamesAndModes(t *testing.T) {
	m := mlp(seeded(1))
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, " "), "0.weight 0.bias 1.weight 1.bias 4.weight 4.bias"; got != want {
		t.Errorf("parameters %q, want %q", got, want)
	}
	names = nil
	for _, b := range m.Buffers() {
		names = append(names, b.Name)
	}
	if got, want := strings.Join(names, " "), "1.running_mean 1.running_var"; got != want {
		t.Errorf("buffers %q, want %q", got, want)
	}
	if got := NumParams[float32](m); got != 4*8+8+8+8+8*3+3 {
		t.Errorf("NumParams = %d", got)
	}
	m.Eval()
	for i, l := range m.Layers {
		if l.Training() {
			t.Errorf("layer %d still training after Eval", i)
		}
	}
	m.Train()
	for i, l := range m.Layers {
		if !l.Training() {
			t.Errorf("layer %d not training after Train", i)
		}
	}
}

// A layer used twice is one set of parameters, as in PyTorch.
func TestSharedLayerListedOnce(t *testing.T) {
	l := NewLinear[float64](3, 3, true, seeded(1))
	m := NewSequential[float64](l, NewTanh[float64](), l)
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "0.weight 0.bias" {
		t.Fatalf("parameters %q", got)
	}
	if n := len(OptimParams[float64](m)); n != 2 {
		t.Fatalf("%d optimizer parameters, want 2", n)
	}
	// Both uses contribute to the one gradient.
	g := autograd.NewGraph[float64]()
	out, err := m.Forward(g, g.Input(tensor.Full[float64](0.5, 2, 3)))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Backward(g.Sum(out)); err != nil {
		t.Fatal(err)
	}
	err = autograd.GradCheck(func(g *autograd.Graph[float64], in []*autograd.Var[float64]) *autograd.Var[float64] {
		l.Weight, l.Bias = in[0], in[1]
		y, _ := m.Forward(g, g.Input(tensor.Full[float64](0.5, 2, 3)))
		return y
	}, []*tensor.Tensor[float64]{&l.Weight.Value, &l.Bias.Value}, autograd.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDropout(t *testing.T) {
	d := NewDropout[float64](0.25, seeded(5))
	g := autograd.NewGraph[float64]()
	x := g.Input(tensor.Full[float64](1, 40, 100))
	y, err := d.Forward(g, x)
	if err != nil {
		t.Fatal(err)
	}
	zeros := 0
	for _, v := range y.Value.Data {
		switch v {
		case 0:
			zeros++
		case 1 / 0.75:
		default:
			t.Fatalf("dropout output %v", v)
		}
	}
	if frac := float64(zeros) / 4000; math.Abs(frac-0.25) > 0.03 {
		t.Errorf("dropped %v of the elements, want 0.25", frac)
	}
	d.Eval()
	if y, _ := d.Forward(g, x); y != x {
		t.Error("dropout in evaluation is not the identity")
	}
	if _, err := NewDropout[float64](1.5, nil).Forward(g, x); err == nil {
		t.Error("dropout probability 1.5 accepted")
	}
}

// Running statistics follow PyTorch's update over several steps, and
// evaluation normalises with them.
func TestBatchNormRunningStats(t *testing.T) {
	bn := NewBatchNorm1d[float64](2)
	g := autograd.NewGraph[float64]()
	rng := seeded(6)
	wantMean, wantVar := []float64{0, 0}, []float64{1, 1}
	for range 5 {
		g.Reset()
		x := tensor.Zeros[float64](6, 2)
		for i := range x.Data {
			x.Data[i] = rng.NormFloat64()*2 + 3
		}
		if _, err := bn.Forward(g, g.Input(x)); err != nil {
			t.Fatal(err)
		}
		for c := range 2 {
			var s, s2 float64
			for i := range 6 {
				s += x.Data[i*2+c]
			}
			mean := s / 6
			for i := range 6 {
				d := x.Data[i*2+c] - mean
				s2 += d * d
			}
			wantMean[c] = 0.9*wantMean[c] + 0.1*mean
			wantVar[c] = 0.9*wantVar[c] + 0.1*s2/5
		}
	}
	for c := range 2 {
		if math.Abs(bn.RunningMean.Data[c]-wantMean[c]) > 1e-12 || math.Abs(bn.RunningVar.Data[c]-wantVar[c]) > 1e-12 {
			t.Fatalf("channel %d: running %v, %v, want %v, %v", c, bn.RunningMean.Data[c], bn.RunningVar.Data[c], wantMean[c], wantVar[c])
		}
	}
	bn.Eval()
	g.Reset()
	x := tensor.Full[float64](5, 1, 2)
	y, err := bn.Forward(g, g.Input(x))
	if err != nil {
		t.Fatal(err)
	}
	for c := range 2 {
		want := (5 - wantMean[c]) / math.Sqrt(wantVar[c]+1e-5)
		if math.Abs(y.Value.Data[c]-want) > 1e-12 {
			t.Fatalf("eval output %v, want %v", y.Value.Data[c], want)
		}
	}
}

func TestStateDictRoundTrip(t *testing.T) {
	a, b := mlp(seeded(1)), mlp(seeded(2))
	bn := a.Layers[1].(*BatchNorm[float32])
	bn.RunningMean.Data[3] = 0.25
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := SaveFile[float32](path, a); err != nil {
		t.Fatal(err)
	}
	if err := LoadFile[float32](path, b); err != nil {
		t.Fatal(err)
	}
	sa, sb := StateDict[float32](a), StateDict[float32](b)
	for i := range sa {
		for j, v := range sa[i].Tensor.Data {
			if sb[i].Tensor.Data[j] != v {
				t.Fatalf("%s[%d] = %v after loading, want %v", sb[i].Name, j, sb[i].Tensor.Data[j], v)
			}
		}
	}
	// A float64 model of the same layout refuses the float32 file.
	c := NewSequential[float64](NewLinear[float64](4, 8, true, nil))
	if err := LoadFile[float64](path, c); err == nil {
		t.Error("float32 file loaded into a float64 model")
	}
}

func TestLoadStateDictStrict(t *testing.T) {
	m := NewLinear[float64](3, 2, true, seeded(1))
	good := StateDict[float64](m)
	cases := []struct {
		name  string
		state []NamedTensor[float64]
		want  string
	}{
		{"missing", good[:1], `lacks "bias"`},
		{"extra", append(append([]NamedTensor[float64]{}, good...), NamedTensor[float64]{"extra", tensor.Zeros[float64](1)}), `"extra"`},
		{"shape", []NamedTensor[float64]{good[0], {"bias", tensor.Zeros[float64](3)}}, `"bias" has shape [3]`},
		{"twice", []NamedTensor[float64]{good[0], good[1], good[1]}, "twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := LoadStateDict[float64](m, c.state)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %s", err, c.want)
			}
		})
	}
}

// The optimizer's parameters alias the model's buffers: a step moves the
// weights by −lr·grad.
func TestOptimParamsAlias(t *testing.T) {
	m := NewSequential[float64](NewLinear[float64](3, 2, true, seeded(1)))
	ps := OptimParams[float64](m)
	if len(ps) != 2 || ps[0].Name != "0.weight" || ps[1].Name != "0.bias" || len(ps[0].Shape) != 2 {
		t.Fatalf("params %+v", ps)
	}
	opt, err := optim.NewSGD(ps, optim.SGDConfig{LR: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	g := autograd.NewGraph[float64]()
	x := tensor.Full[float64](1, 4, 3)
	out, _ := m.Forward(g, g.Input(x))
	if err := g.Backward(g.Sum(out)); err != nil {
		t.Fatal(err)
	}
	w := m.Layers[0].(*Linear[float64]).Weight
	before := append([]float64(nil), w.Value.Data...)
	if err := opt.Step(); err != nil {
		t.Fatal(err)
	}
	for i, v := range w.Value.Data {
		if want := before[i] - 0.5*4; math.Abs(v-want) > 1e-15 {
			t.Fatalf("weight %d = %v after the step, want %v", i, v, want)
		}
	}
	opt.ZeroGrad()
	for _, v := range w.Grad.Data {
		if v != 0 {
			t.Fatal("the optimizer's ZeroGrad did not reach the model's gradient")
		}
	}
}

// A sparse embedding trained by SparseAdam moves only the rows looked up,
// as the dense Adam on the dense gradient moves them.
func TestSparseEmbeddingWithOptim(t *testing.T) {
	ids := []int{2, 5, 2, 7}
	run := func(sparse bool) *Embedding[float32] {
		e := NewEmbedding[float32](10, 3, sparse, seeded(3))
		ps := OptimParams[float32](e)
		var opt optim.Optimizer
		var err error
		if sparse {
			opt, err = optim.NewSparseAdam(ps, optim.SparseAdamConfig{LR: 0.1})
		} else {
			opt, err = optim.NewSGD(ps, optim.SGDConfig{LR: 0.1})
		}
		if err != nil {
			t.Fatal(err)
		}
		g := autograd.NewGraph[float32]()
		for range 3 {
			g.Reset()
			ZeroGrad[float32](e)
			y, err := e.Lookup(g, ids, 2, 2)
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Backward(g.Sum(g.Mul(y, y))); err != nil {
				t.Fatal(err)
			}
			if err := SetSparseGrads(ps, e); err != nil {
				t.Fatal(err)
			}
			if err := opt.Step(); err != nil {
				t.Fatal(err)
			}
		}
		return e
	}
	sparse, dense := run(true), run(false)
	init := NewEmbedding[float32](10, 3, false, seeded(3))
	for r := range 10 {
		looked := r == 2 || r == 5 || r == 7
		for c := range 3 {
			i := r*3 + c
			moved := sparse.Weight.Value.Data[i] != init.Weight.Value.Data[i]
			if moved != looked {
				t.Fatalf("row %d moved=%v with sparse gradients", r, moved)
			}
			if (dense.Weight.Value.Data[i] != init.Weight.Value.Data[i]) != looked {
				t.Fatalf("row %d moved wrongly with dense gradients", r)
			}
		}
	}
	if sparse.Weight.Sparse.Rows == nil || len(sparse.Weight.Sparse.Rows) != len(ids) {
		t.Fatalf("sparse rows %v, want the %d ids of the last step", sparse.Weight.Sparse.Rows, len(ids))
	}
}
