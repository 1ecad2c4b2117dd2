package autograd

import (
	"math/rand/v2"
	"testing"

	"github.com/descent-ml/descent/tensor"
)

// mlpStep is one training step of an MLP with ReLU and cross-entropy in
// float32: forward, backward into the parameters' Grad buffers.
type mlpStep struct {
	g       *Graph[float32]
	x       *tensor.Tensor[float32]
	labels  []int
	ws, bs  []*Var[float32]
	act     func(g *Graph[float32], v *Var[float32]) *Var[float32]
	lastErr error
}

func newMLPStep(batch int, sizes ...int) *mlpStep {
	rng := rand.New(rand.NewPCG(1, 2))
	s := &mlpStep{g: NewGraph[float32](), x: tensor.Zeros[float32](batch, sizes[0]), labels: make([]int, batch)}
	for i := range s.x.Data {
		s.x.Data[i] = rng.Float32()
	}
	for i := range s.labels {
		s.labels[i] = rng.IntN(sizes[len(sizes)-1])
	}
	for l := 1; l < len(sizes); l++ {
		w := tensor.Zeros[float32](sizes[l], sizes[l-1])
		for i := range w.Data {
			w.Data[i] = (rng.Float32()*2 - 1) * 0.05
		}
		s.ws = append(s.ws, NewParam("w", w))
		s.bs = append(s.bs, NewParam("b", tensor.Zeros[float32](sizes[l])))
	}
	return s
}

func (s *mlpStep) run() float32 {
	g := s.g
	g.Reset()
	h := g.Input(s.x)
	for l := range s.ws {
		h = g.Add(g.MatMul(h, s.ws[l], false, true), s.bs[l])
		if l < len(s.ws)-1 {
			h = g.ReLU(h)
		}
	}
	loss := g.CrossEntropy(h, s.labels, ReduceMean)
	for l := range s.ws {
		s.ws[l].ZeroGrad()
		s.bs[l].ZeroGrad()
	}
	s.lastErr = g.Backward(loss)
	return loss.Item()
}

func TestStepDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops sync.Pool items")
	}
	s := newMLPStep(32, 64, 48, 10)
	s.run()
	allocs := testing.AllocsPerRun(20, func() { s.run() })
	if s.lastErr != nil {
		t.Fatal(s.lastErr)
	}
	if allocs != 0 {
		t.Fatalf("a training step allocates %v times after the first", allocs)
	}
}

// A convolutional step — convolution with bias, both poolings, their
// backward passes and the input gradient of a convolution (col2im) —
// allocates nothing either.
func TestConvStepDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops sync.Pool items")
	}
	rng := rand.New(rand.NewPCG(3, 3))
	r := func(shape ...int) *tensor.Tensor[float32] {
		x := tensor.Zeros[float32](shape...)
		for i := range x.Data {
			x.Data[i] = rng.Float32()*2 - 1
		}
		return x
	}
	x := r(4, 2, 12, 12)
	w1, b1 := NewParam("w1", r(4, 2, 3, 3)), NewParam("b1", r(4))
	w2 := NewParam("w2", r(6, 4, 3, 3))
	w3 := NewParam("w3", r(5, 6*2*2))
	labels := []int{0, 1, 2, 3}
	g := NewGraph[float32]()
	var err error
	step := func() {
		g.Reset()
		h := g.Conv2d(g.Input(x), w1, b1, tensor.Window{PH: 1, PW: 1})
		h = g.MaxPool2d(g.ReLU(h), tensor.Window{KH: 2, KW: 2, SH: 2, SW: 2})
		h = g.Conv2d(h, w2, nil, tensor.Window{})
		h = g.AvgPool2d(h, tensor.Window{KH: 2, KW: 2, SH: 2, SW: 2})
		h = g.MatMul(g.Flatten(h), w3, false, true)
		for _, p := range []*Var[float32]{w1, b1, w2, w3} {
			p.ZeroGrad()
		}
		err = g.Backward(g.CrossEntropy(h, labels, ReduceMean))
	}
	step()
	allocs := testing.AllocsPerRun(20, step)
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Fatalf("a convolutional step allocates %v times after the first", allocs)
	}
}

// A smaller last batch reuses the buffers of the larger ones.
func TestSmallerBatchReusesBuffers(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops sync.Pool items")
	}
	s := newMLPStep(32, 16, 8, 4)
	s.run()
	big := s.x
	small := &tensor.Tensor[float32]{Shape: []int{5, 16}, Data: big.Data[:5*16]}
	labels := s.labels
	s.x, s.labels = small, labels[:5]
	s.run()
	s.x, s.labels = big, labels
	allocs := testing.AllocsPerRun(10, func() {
		s.x, s.labels = small, labels[:5]
		s.run()
		s.x, s.labels = big, labels
		s.run()
	})
	if allocs != 0 {
		t.Fatalf("alternating batch sizes allocate %v times per pair of steps", allocs)
	}
}

// Training lowers the loss: plain gradient descent on the step's
// gradients.
func TestStepTrains(t *testing.T) {
	s := newMLPStep(16, 8, 16, 3)
	first := s.run()
	var last float32
	for range 200 {
		for _, p := range append(append([]*Var[float32](nil), s.ws...), s.bs...) {
			for i, gr := range p.Grad.Data {
				p.Value.Data[i] -= 0.5 * gr
			}
		}
		last = s.run()
	}
	if s.lastErr != nil {
		t.Fatal(s.lastErr)
	}
	if !(last < first/2) {
		t.Fatalf("loss went from %v to %v", first, last)
	}
}

// BenchmarkMLPStep times one training step (forward and backward, no
// optimizer) of a 784-512-256-10 ReLU MLP with cross-entropy at batch 128
// in float32.
func BenchmarkMLPStep(b *testing.B) {
	s := newMLPStep(128, 784, 512, 256, 10)
	s.run()
	b.ReportAllocs()
	for b.Loop() {
		s.run()
	}
	if s.lastErr != nil {
		b.Fatal(s.lastErr)
	}
	flops := 0.0
	for _, w := range s.ws {
		flops += 6 * 128 * float64(w.Value.Len())
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMLPHVP times one Hessian-vector product of the loss of the
// 784-512-256-10 MLP at batch 128 in float32: the recorded backward pass
// and its differentiation.
func BenchmarkMLPHVP(b *testing.B) {
	s := newMLPStep(128, 784, 512, 256, 10)
	var params []*Var[float32]
	var v, hv []*tensor.Tensor[float32]
	for l := range s.ws {
		params = append(params, s.ws[l], s.bs[l])
	}
	for _, p := range params {
		vi := tensor.Zeros[float32](p.Value.Shape...)
		for i := range vi.Data {
			vi.Data[i] = float32(i%5) - 2
		}
		v = append(v, vi)
		hv = append(hv, tensor.Zeros[float32](p.Value.Shape...))
	}
	hvp := func() error {
		g := s.g
		g.Reset()
		h := g.Input(s.x)
		for l := range s.ws {
			h = g.Add(g.MatMul(h, s.ws[l], false, true), s.bs[l])
			if l < len(s.ws)-1 {
				h = g.ReLU(h)
			}
		}
		op, err := NewHVP(g, g.CrossEntropy(h, s.labels, ReduceMean), params)
		if err != nil {
			return err
		}
		return op.Apply(hv, v)
	}
	if err := hvp(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := hvp(); err != nil {
			b.Fatal(err)
		}
	}
}
