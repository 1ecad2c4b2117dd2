package nn_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/tensor"
)

// Training an MLP: build it, hand its parameters to an optimizer, and run
// forward, backward and step on one graph reused every step.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewSequential[float32](
		nn.NewLinear[float32](2, 16, true, rng),
		nn.NewTanh[float32](),
		nn.NewLinear[float32](16, 2, true, rng),
	)
	opt, err := optim.NewAdam(nn.OptimParams[float32](model), optim.AdamConfig{LR: 0.05})
	if err != nil {
		log.Fatal(err)
	}
	// XOR: the class is whether the signs differ.
	x := &tensor.Tensor[float32]{Shape: []int{4, 2}, Data: []float32{-1, -1, -1, 1, 1, -1, 1, 1}}
	labels := []int{0, 1, 1, 0}
	lossFn := nn.CrossEntropyLoss[float32]{}

	g := autograd.NewGraph[float32]()
	var loss *autograd.Var[float32]
	for range 200 {
		g.Reset()
		opt.ZeroGrad()
		logits, err := model.Forward(g, g.Input(x))
		if err != nil {
			log.Fatal(err)
		}
		if loss, err = lossFn.Forward(g, logits, labels); err != nil {
			log.Fatal(err)
		}
		if err := g.Backward(loss); err != nil {
			log.Fatal(err)
		}
		if err := opt.Step(); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("parameters:", nn.NumParams[float32](model))
	fmt.Println("loss below 0.01:", loss.Item() < 0.01)
	// Output:
	// parameters: 82
	// loss below 0.01: true
}

// A layer reports an input of the wrong shape with both shapes.
func ExampleLinear_Forward() {
	layer := nn.NewLinear[float32](784, 512, true, rand.New(rand.NewPCG(1, 2)))
	g := autograd.NewGraph[float32]()
	_, err := layer.Forward(g, g.Input(tensor.Zeros[float32](128, 100)))
	fmt.Println(err)
	// Output:
	// nn.Linear(in=784, out=512) with weight [512 784]: input of shape [128 100], want [..., 784]
}

// Parameters carry PyTorch's names; a convolutional network's state saves
// and loads under them.
func ExampleStateDict() {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewSequential[float32](
		nn.NewConv2d[float32](nn.Conv2dConfig{InChannels: 1, OutChannels: 6, KernelSize: nn.Pair(5), Padding: nn.Pair(2)}, rng),
		nn.NewBatchNorm2d[float32](6),
		nn.NewReLU[float32](),
		nn.NewMaxPool2d[float32](nn.PoolConfig{KernelSize: nn.Pair(2)}),
		nn.NewFlatten[float32](),
		nn.NewLinear[float32](6*14*14, 10, true, rng),
	)
	for _, st := range nn.StateDict[float32](model) {
		fmt.Println(st.Name, st.Tensor.Shape)
	}
	g := autograd.NewGraph[float32]()
	out, err := model.Forward(g, g.Input(tensor.Zeros[float32](8, 1, 28, 28)))
	fmt.Println(out.Shape(), err)
	// Output:
	// 0.weight [6 1 5 5]
	// 0.bias [6]
	// 1.weight [6]
	// 1.bias [6]
	// 5.weight [10 1176]
	// 5.bias [10]
	// 1.running_mean [6]
	// 1.running_var [6]
	// [8 10] <nil>
}

// An embedding with row-sparse gradients hands only the rows it looked up
// to the optimizer.
func ExampleSetSparseGrads() {
	emb := nn.NewEmbedding[float32](1000, 4, true, rand.New(rand.NewPCG(1, 2)))
	params := nn.OptimParams[float32](emb)
	opt, err := optim.NewSparseAdam(params, optim.SparseAdamConfig{LR: 0.01})
	if err != nil {
		log.Fatal(err)
	}
	g := autograd.NewGraph[float32]()
	nn.ZeroGrad[float32](emb)
	vecs, err := emb.Lookup(g, []int{3, 141, 3})
	if err != nil {
		log.Fatal(err)
	}
	if err := g.Backward(g.Sum(vecs)); err != nil {
		log.Fatal(err)
	}
	if err := nn.SetSparseGrads(params, emb); err != nil {
		log.Fatal(err)
	}
	fmt.Println("rows:", params[0].Sparse.Rows)
	if err := opt.Step(); err != nil {
		log.Fatal(err)
	}
	// Output: rows: [3 141 3]
}
