package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/descent-ml/descent/internal/parallel"
)

// mlp is a 784-512-256-10 ReLU network's parameters, gradients and
// activations at batch 128, all allocated once.
type mlp struct {
	x, w1, b1, w2, b2, w3, b3      *Tensor[float32]
	z1, h1, z2, h2, z3, logp, dlog *Tensor[float32]
	dw1, db1, dw2, db2, dw3, db3   *Tensor[float32]
	dh1, dh2                       *Tensor[float32]
}

func newMLP(batch int) *mlp {
	rng := rand.New(rand.NewPCG(1, 1))
	r := func(s float64, shape ...int) *Tensor[float32] { return randTensor[float32](rng, s, shape...) }
	z := Zeros[float32]
	return &mlp{
		x: r(1, batch, 784), w1: r(0.05, 512, 784), b1: r(0.1, 512), w2: r(0.05, 256, 512), b2: r(0.1, 256),
		w3: r(0.05, 10, 256), b3: r(0.1, 10),
		z1: z(batch, 512), h1: z(batch, 512), z2: z(batch, 256), h2: z(batch, 256), z3: z(batch, 10),
		logp: z(batch, 10), dlog: z(batch, 10),
		dw1: z(512, 784), db1: z(512), dw2: z(256, 512), db2: z(256), dw3: z(10, 256), db3: z(10),
		dh1: z(batch, 512), dh2: z(batch, 256),
	}
}

// step runs the forward pass to log-probabilities and the backward pass
// from the gradient of the mean negative log-likelihood of class 0 to
// every weight and bias gradient.
func (m *mlp) step() error {
	for _, err := range []error{
		MatMul(m.z1, false, true, 1, m.x, m.w1, 0), AddRow(m.z1, m.z1, m.b1), ReLU(m.h1, m.z1),
		MatMul(m.z2, false, true, 1, m.h1, m.w2, 0), AddRow(m.z2, m.z2, m.b2), ReLU(m.h2, m.z2),
		MatMul(m.z3, false, true, 1, m.h2, m.w3, 0), AddRow(m.z3, m.z3, m.b3), LogSoftmax(m.logp, m.z3),
	} {
		if err != nil {
			return err
		}
	}
	m.dlog.Fill(0)
	for i := range m.dlog.Shape[0] {
		m.dlog.Data[i*10] = -1 / float32(m.dlog.Shape[0])
	}
	for _, err := range []error{
		LogSoftmaxBackward(m.dlog, m.dlog, m.logp),
		MatMul(m.dw3, true, false, 1, m.dlog, m.h2, 0), ColSums(m.db3, m.dlog),
		MatMul(m.dh2, false, false, 1, m.dlog, m.w3, 0), ReLUBackward(m.dh2, m.dh2, m.z2),
		MatMul(m.dw2, true, false, 1, m.dh2, m.h1, 0), ColSums(m.db2, m.dh2),
		MatMul(m.dh1, false, false, 1, m.dh2, m.w2, 0), ReLUBackward(m.dh1, m.dh1, m.z1),
		MatMul(m.dw1, true, false, 1, m.dh1, m.x, 0), ColSums(m.db1, m.dh1),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkMLPStep: forward and backward of a 784-512-256-10 ReLU MLP at
// batch 128 (no optimizer), 0.48 GFLOP of matrix products per step.
func BenchmarkMLPStep(b *testing.B) {
	m := newMLP(128)
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			defer parallel.SetThreads(parallel.SetThreads(th))
			for b.Loop() {
				if err := m.step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/step")
		})
	}
}

func TestMLPStepNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("race detector allocates")
	}
	m := newMLP(16)
	if err := m.step(); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(5, func() { _ = m.step() }); n != 0 {
		t.Fatalf("%v allocations per training step", n)
	}
}
