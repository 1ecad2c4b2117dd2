package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/internal/parallel"
	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/tensor"
)

// trainer runs training steps of a model with cross-entropy and an
// optimizer, as a user's loop does.
type trainer struct {
	model  Module[float32]
	opt    optim.Optimizer
	g      *autograd.Graph[float32]
	x      *tensor.Tensor[float32]
	labels []int
	loss   float32
	err    error
}

func newTrainer(t testing.TB, model Module[float32], batch int, inShape ...int) *trainer {
	opt, err := optim.NewAdam(OptimParams(model), optim.AdamConfig{LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	tr := &trainer{model: model, opt: opt, g: autograd.NewGraph[float32](),
		x: tensor.Zeros[float32](append([]int{batch}, inShape...)...), labels: make([]int, batch)}
	for i := range tr.x.Data {
		tr.x.Data[i] = rng.Float32()
	}
	for i := range tr.labels {
		tr.labels[i] = rng.IntN(10)
	}
	return tr
}

func (tr *trainer) step() {
	g := tr.g
	g.Reset()
	tr.opt.ZeroGrad()
	logits, err := tr.model.Forward(g, g.Input(tr.x))
	if err != nil {
		tr.err = err
		return
	}
	loss, err := CrossEntropyLoss[float32]{}.Forward(g, logits, tr.labels)
	if err != nil {
		tr.err = err
		return
	}
	if tr.err = g.Backward(loss); tr.err != nil {
		return
	}
	tr.err = tr.opt.Step()
	tr.loss = loss.Item()
}

func cnn(rng *rand.Rand) Module[float32] {
	return NewSequential[float32](
		NewConv2d[float32](Conv2dConfig{InChannels: 1, OutChannels: 6, KernelSize: Pair(5), Padding: Pair(2)}, rng),
		NewBatchNorm2d[float32](6),
		NewReLU[float32](),
		NewMaxPool2d[float32](PoolConfig{KernelSize: Pair(2)}),
		NewConv2d[float32](Conv2dConfig{InChannels: 6, OutChannels: 16, KernelSize: Pair(5)}, rng),
		NewGELU[float32]("tanh"),
		NewAvgPool2d[float32](PoolConfig{KernelSize: Pair(2)}),
		NewFlatten[float32](),
		NewLinear[float32](16*5*5, 120, true, rng),
		NewLayerNorm[float32](120),
		NewDropout[float32](0.1, rand.New(rand.NewPCG(5, 6))),
		NewLeakyReLU[float32](0.01),
		NewLinear[float32](120, 10, true, rng),
	)
}

func mlp784() Module[float32] {
	rng := rand.New(rand.NewPCG(1, 2))
	return NewSequential[float32](
		NewLinear[float32](784, 512, true, rng),
		NewReLU[float32](),
		NewLinear[float32](512, 256, true, rng),
		NewReLU[float32](),
		NewLinear[float32](256, 10, true, rng),
	)
}

// A training step — forward, loss, backward, optimizer step — allocates
// nothing once the first step has sized the graph.
func TestTrainingStepDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops sync.Pool items")
	}
	cases := []struct {
		name    string
		model   Module[float32]
		inShape []int
	}{
		{"mlp", NewSequential[float32](
			NewLinear[float32](20, 16, true, rand.New(rand.NewPCG(1, 1))),
			NewBatchNorm1d[float32](16),
			NewTanh[float32](),
			NewLinear[float32](16, 10, false, rand.New(rand.NewPCG(1, 2))),
			NewLogSoftmax[float32](-1),
		), []int{20}},
		{"cnn", cnn(rand.New(rand.NewPCG(7, 7))), []int{1, 28, 28}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := newTrainer(t, c.model, 8, c.inShape...)
			tr.step()
			tr.step()
			allocs := testing.AllocsPerRun(5, tr.step)
			if tr.err != nil {
				t.Fatal(tr.err)
			}
			if allocs != 0 {
				t.Fatalf("a training step allocates %v times", allocs)
			}
		})
	}
}

// BenchmarkMLPTrainStep times a whole training step of a 784-512-256-10
// ReLU MLP at batch 128 in float32: forward, cross-entropy, backward and
// Adam.
func BenchmarkMLPTrainStep(b *testing.B) {
	tr := newTrainer(b, mlp784(), 128, 784)
	tr.step()
	b.ReportAllocs()
	for b.Loop() {
		tr.step()
	}
	if tr.err != nil {
		b.Fatal(tr.err)
	}
}

// BenchmarkCNNTrainStep times a training step of a small LeNet-like
// network on 28×28 images at batch 32.
func BenchmarkCNNTrainStep(b *testing.B) {
	tr := newTrainer(b, cnn(rand.New(rand.NewPCG(7, 7))), 32, 1, 28, 28)
	tr.step()
	b.ReportAllocs()
	for b.Loop() {
		tr.step()
	}
	if tr.err != nil {
		b.Fatal(tr.err)
	}
}

// TestCNNStepThreads: training steps of the CNN give the same parameters,
// bit for bit, at 1, 2 and 3 threads (the convolutions split their batch
// into groups that depend on the thread count, and their sums must not).
func TestCNNStepThreads(t *testing.T) {
	defer parallel.SetThreads(parallel.SetThreads(1))
	var first []float32
	for _, th := range []int{1, 2, 3} {
		parallel.SetThreads(th)
		model := cnn(rand.New(rand.NewPCG(7, 7)))
		tr := newTrainer(t, model, 24, 1, 28, 28)
		for range 2 {
			tr.step()
		}
		if tr.err != nil {
			t.Fatal(tr.err)
		}
		var got []float32
		for _, p := range model.Parameters() {
			got = append(got, p.Var.Value.Data...)
		}
		if first == nil {
			first = got
			continue
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
				t.Fatalf("%d threads: parameter element %d = %v, 1 thread %v", th, i, got[i], first[i])
			}
		}
	}
}
